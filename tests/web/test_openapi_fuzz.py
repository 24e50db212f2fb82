"""schemathesis against the OpenAPI document: generated requests to every operation, as an admin
and anonymously, and no answer may be a 500 (or break the document's own promises).

Bounded for ``make test``: a fixed number of examples per operation, derandomized so a run is
repeatable (a failure names its example and reproduces). Run more with
``ARSERVICE_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/web/test_openapi_fuzz.py``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from arservice.settings import Settings
from arservice.store.blobs import LocalBlobStore
from arservice.store.models import Role
from arservice.web import create_app
from tests.web.conftest import TEST_SECRET, add_staff

EXAMPLES = int(os.environ.get("ARSERVICE_FUZZ_EXAMPLES", "15"))


_DATA = tempfile.TemporaryDirectory(prefix="arservice-fuzz-")
"""Removed when the test process ends (schemathesis needs the app while tests are collected,
before any fixture exists)."""


def fuzz_app() -> FastAPI:
    """An app with the demo ideas (real slugs to find) and its built-in templates."""
    data = Path(_DATA.name)
    settings = Settings(data_dir=data, secret_key=TEST_SECRET, demo_ideas=True)
    return create_app(settings, blobs=LocalBlobStore(data / "blobs"))


APP = fuzz_app()
ADMIN = add_staff(APP, Role.ADMIN, email="fuzz-admin@example.org")
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_request_from_an_admin_gets_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers=ADMIN.headers)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_anonymous_request_gets_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate()
