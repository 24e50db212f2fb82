# Two commands on a fresh Debian machine with Python 3.11 and Node 20:
#   make run    set up, build the built-in templates into data/models, then serve the API on
#               http://127.0.0.1:8000/ (make run HOST=0.0.0.0 PORT=8080 to change; DATA=dir for data)
#   make test   set up, then run every check: ruff, hadolint, mypy, import-linter, pytest + coverage
#               (the suite on SQLite, then the database tests again on a real PostgreSQL)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= data
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: setup system-packages test-packages bench-packages run test lint typecheck layers unit schema messages lock bench clean

# The editable install copies the viewer's npm files into the package (pyproject force-include).
$(VENV)/.installed: requirements.lock pyproject.toml | viewer/node_modules/.installed
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip check
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The resident's viewer: model-viewer (served by the app from our origin) and axe-core (tests).
viewer/node_modules/.installed: viewer/package.json viewer/package-lock.json
	npm ci --prefix viewer --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed viewer/node_modules/.installed system-packages

# Debian packages: Mesa's software OpenGL (EGL, llvmpipe) renders the preview images on the
# server; chromium drives the browser tests (Playwright launches it by path); postgresql is the
# server the PostgreSQL run starts in a temporary directory (tests/support/postgres.py; its own
# cluster on a free loopback port, never the one Debian sets up). Only what is missing is
# installed (with sudo when not root).
SUDO              := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RUNTIME_PACKAGES  := libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri
TEST_PACKAGES     := chromium postgresql nginx-light
define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

system-packages:
	$(call apt_install,$(RUNTIME_PACKAGES))

test-packages:
	$(call apt_install,$(TEST_PACKAGES))

run: setup
	@mkdir -p $(DATA)/models
	$(BIN)/arservice templates
	@for id in $$($(BIN)/python -c "from arservice.store.builtin import builtin_template_paths as p; print(' '.join(p()))"); do \
		$(BIN)/arservice build $$id -o $(DATA)/models/$$id.glb || exit 1; \
	done
	ARSERVICE_DATA_DIR=$(DATA) $(BIN)/arservice serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

typecheck: setup
	$(BIN)/mypy

layers: setup
	$(BIN)/lint-imports

# The tests that touch a database run a second time on PostgreSQL (--database=postgresql: see
# tests/conftest.py); coverage adds up both runs.
POSTGRES_TESTS    := tests/store tests/services tests/web tests/test_cli.py tests/test_cli_campaign.py \
                     tests/test_cli_import.py tests/browser

unit: setup test-packages
	$(BIN)/pytest --cov --cov-report=
	$(BIN)/pytest --database=postgresql --cov --cov-append --cov-report=term $(POSTGRES_TESTS)

test: lint typecheck layers unit

# Regenerate the published JSON Schema after changing arservice/parametric/schema.py.
schema: setup
	$(BIN)/arservice schema -o assets/schema/template-v1.json

# Extract N_() messages into arservice/i18n/arservice.pot and merge them into the fi and sv
# catalogs; then translate the new entries (a test fails while any is untranslated).
messages: setup
	$(BIN)/pybabel extract -k N_ --no-default-keywords --no-location --sort-output \
		--omit-header -o arservice/i18n/arservice.pot arservice
	for lang in fi sv; do \
		if [ -f arservice/i18n/locale/$$lang/LC_MESSAGES/arservice.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching -D arservice \
				-i arservice/i18n/arservice.pot -d arservice/i18n/locale -l $$lang; \
		else \
			$(BIN)/pybabel init -D arservice -i arservice/i18n/arservice.pot \
				-d arservice/i18n/locale -l $$lang; \
		fi; \
	done

# Re-pin the Python dependencies after changing pyproject.toml (needs network access to PyPI).
lock:
	$(PYTHON) -m pip install --quiet --upgrade uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 --no-header -o requirements.lock

# The serving benchmark compares the app with nginx under wrk's load (Debian packages).
BENCH_PACKAGES    := wrk nginx-light

bench-packages:
	$(call apt_install,$(BENCH_PACKAGES))

bench: setup bench-packages
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/serve.py

clean:
	rm -rf $(VENV) node_modules viewer/node_modules .pytest_cache .mypy_cache .ruff_cache .coverage
