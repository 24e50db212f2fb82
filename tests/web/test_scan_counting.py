"""Counting under load, the flush by the app's lifespan, and what a scan never leaves behind."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, select, text

from arservice.settings import Settings
from arservice.store.models import Platform
from arservice.web.privacy import ACCESS_LOGGER, HideClientAddress
from tests.web.conftest import TEST_SECRET
from tests.web.test_shortlinks import (
    ANDROID,
    BASE,
    DESKTOP,
    GYM,
    IPHONE,
    PLAYGROUND,
    context_of,
    make_code,
    stored_counts,
)

pytestmark = pytest.mark.anyio

PATIENCE_SECONDS = 60.0
"""How long a test waits for a background flush before it gives up (a guard against hanging,
not a speed requirement: the interval is 0.05 s)."""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key=TEST_SECRET,
        demo_ideas=True,
        base_url=BASE,
        scan_flush_seconds=0.05,
    )


def asgi_client(app: FastAPI, address: str = "198.51.100.23") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40123))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_parallel_scans_of_the_same_and_different_codes_all_count(app: FastAPI) -> None:
    codes = [make_code(app, slug=GYM), make_code(app, slug=PLAYGROUND)]
    codes.append(make_code(app, target_url="https://example.org/photos"))
    agents = [IPHONE, ANDROID, DESKTOP]
    scans = [(codes[k % 3], agents[(k // 3) % 3]) for k in range(300)]
    async with asgi_client(app) as client:
        answers = await asyncio.gather(
            *(client.get(f"/q/{code}", headers={"User-Agent": agent}) for code, agent in scans)
        )
    assert {answer.status_code for answer in answers} == {302}
    counts = stored_counts(app)
    assert sum(counts.values()) == len(scans)
    for code in codes:
        for agent, family in zip(
            agents, (Platform.IOS, Platform.ANDROID, Platform.OTHER), strict=True
        ):
            expected = sum(1 for c, a in scans if (c, a) == (code, agent))
            assert counts[(code, family)] == expected


async def test_the_lifespan_flushes_on_its_interval_without_a_shutdown(app: FastAPI) -> None:
    code = make_code(app, slug=GYM)
    context = context_of(app)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        for _ in range(5):
            await client.get(f"/q/{code}", headers={"User-Agent": IPHONE})
        deadline = time.monotonic() + PATIENCE_SECONDS
        stored = 0
        while stored < 5 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            with context.reading() as session:
                stored = session.execute(text("SELECT sum(count) FROM scan_counts")).scalar() or 0
        assert context.scans.pending() == 0, "the background task flushed them all"
        assert stored == 5, "in the database while the app still runs"


async def test_the_lifespan_flushes_at_shutdown(settings: Settings, tmp_path: Path) -> None:
    from arservice.web import create_app

    app = create_app(settings.model_copy(update={"scan_flush_seconds": 60.0}))
    code = make_code(app, slug=GYM)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        for _ in range(3):
            await client.get(f"/q/{code}", headers={"User-Agent": ANDROID})
        assert context_of(app).scans.pending() == 3, "the interval is a minute: still buffered"
    assert context_of(app).scans.pending() == 0
    assert stored_counts(app) == {(code, Platform.ANDROID): 3}


MARKERS = {
    "address": "198.51.100.23",
    "user agent": "MarkerPhone/9.7.5-q8z",
    "referrer": "https://referrer.example/page-x7k2",
    "cookie": "tracker-cookie-4jf9",
    "forwarded": "192.0.2.201",
}


async def test_a_scan_stores_and_logs_no_address_user_agent_referrer_or_cookie(
    app: FastAPI, caplog: pytest.LogCaptureFixture, settings: Settings
) -> None:
    code = make_code(app, slug=GYM)
    headers = {
        "User-Agent": f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) {MARKERS['user agent']}",
        "Referer": MARKERS["referrer"],
        "Cookie": f"id={MARKERS['cookie']}",
        "X-Forwarded-For": MARKERS["forwarded"],
    }
    with caplog.at_level(logging.DEBUG):
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            for path in (f"/q/{code}", f"/q/{code.lower()}", "/q/ZZZZZZZ", "/q/!!"):
                response = await client.get(path, headers=headers)
                assert "set-cookie" not in response.headers
    assert stored_counts(app) == {(code, Platform.IOS): 2}
    context = context_of(app)
    context.engine.dispose()  # checkpoint nothing away: read the files as they are
    dump = []
    with context.reading() as session:
        for table in inspect(context.engine).get_table_names():
            rows = session.execute(select(text("*")).select_from(text(table))).all()
            dump.append(f"{table}: {rows!r}")
    stored = "\n".join(dump)
    assert "scan_counts" in stored
    raw = b"".join(
        path.read_bytes()
        for path in settings.data_dir.iterdir()
        if path.name.startswith("arservice.db")
    )
    for what, marker in MARKERS.items():
        assert marker not in stored, f"the {what} is in the database"
        assert marker.encode() not in raw, f"the {what} is in the database file"
        assert marker not in caplog.text, f"the {what} was logged"


def test_the_access_log_hides_the_client_address() -> None:
    """uvicorn logs ``client - "METHOD path HTTP/v" status``; the filter keeps all but the
    client."""
    record = logging.LogRecord(
        ACCESS_LOGGER,
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.9:50123", "GET", "/q/7K3M9QX", "1.1", 302),
        None,
    )
    assert HideClientAddress().filter(record)
    assert record.getMessage() == '- - "GET /q/7K3M9QX HTTP/1.1" 302'
