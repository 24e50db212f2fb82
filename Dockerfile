# syntax=docker/dockerfile:1
# The service's image: `docker build -t arservice . && docker run -p 8000:8000 -v arservice:/data arservice`
# (any other command: `docker run --rm arservice users create --email … --role admin`)

FROM node:20-bookworm-slim AS viewer
WORKDIR /src/viewer
COPY viewer/package.json viewer/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.lock pyproject.toml README.md ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes --no-deps -r requirements.lock
COPY arservice ./arservice
COPY assets ./assets
COPY viewer/src ./viewer/src
COPY --from=viewer /src/viewer/node_modules ./viewer/node_modules
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation . \
    && /opt/venv/bin/pip uninstall --yes pytest pytest-cov hypothesis ruff mypy import-linter \
        schemathesis playwright

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    ARSERVICE_DATA_DIR=/data
# Mesa's software OpenGL (EGL + llvmpipe) renders preview images without a GPU or a display.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --create-home arservice
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["arservice"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
