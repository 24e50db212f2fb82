"""Counting scans: the platform families, the in-memory buffer and its flush to the database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from arservice.services.scans import ScanCounter, Unavailable, classify_platform, scan_target
from arservice.store import repositories as repo
from arservice.store.db import session_factory
from arservice.store.models import IdeaStatus, Platform

DAY = date(2025, 6, 1)

IOS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
]
ANDROID = [
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 9; CUBOT X19 Build/PPR1.180610.011) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
]
OTHER = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
]
BOTS = [
    None,
    "",
    "curl/8.5.0",
    "Wget/1.21.4",
    "python-requests/2.32.3",
    "python-httpx/0.27.0",
    "Python-urllib/3.11",
    "Go-http-client/1.1",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0",
    "TelegramBot (like TwitterBot)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) "
    "Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Discordbot/2.0)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 14_0 like Mac OS X) link preview spider",
    "Mozilla/5.0",
]


@pytest.mark.parametrize(
    ("agent", "family"),
    [(a, Platform.IOS) for a in IOS]
    + [(a, Platform.ANDROID) for a in ANDROID]
    + [(a, Platform.OTHER) for a in OTHER]
    + [(a, Platform.BOT) for a in BOTS],
)
def test_user_agents_fall_into_their_platform_family(agent: str | None, family: Platform) -> None:
    assert classify_platform(agent) is family


def test_a_huge_user_agent_is_read_only_at_its_start() -> None:
    assert classify_platform("Mozilla/5.0 (iPhone) " + "x" * 100_000 + " Googlebot/2.1") is (
        Platform.IOS
    )


def test_counts_add_up_per_code_day_and_platform() -> None:
    counter = ScanCounter(clock=lambda: DAY)
    for _ in range(3):
        counter.record(1, Platform.IOS)
    counter.record(1, Platform.ANDROID)
    counter.record(2, Platform.IOS)
    assert counter.pending() == 5
    assert counter.take() == {
        (1, DAY, Platform.IOS): 3,
        (1, DAY, Platform.ANDROID): 1,
        (2, DAY, Platform.IOS): 1,
    }
    assert counter.pending() == 0


def test_records_from_many_threads_are_all_kept() -> None:
    counter = ScanCounter(clock=lambda: DAY)
    per_thread, threads = 2000, 8

    def scan() -> None:
        for _ in range(per_thread):
            counter.record(7, Platform.OTHER)

    workers = [threading.Thread(target=scan) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert counter.take() == {(7, DAY, Platform.OTHER): per_thread * threads}


def _code(engine: Engine) -> int:
    with session_factory(engine, write=True).begin() as session:
        return repo.create_qr_code(session, target_url="https://example.org/x").id


def _stored(engine: Engine) -> dict[tuple[int, date, Platform], int]:
    with session_factory(engine).begin() as session:
        return {(r.code_id, r.day, r.platform): r.count for r in repo.scan_counts(session)}


def test_flush_adds_to_what_is_stored(engine: Engine) -> None:
    code = _code(engine)
    counter = ScanCounter(clock=lambda: DAY)
    transaction = session_factory(engine, write=True).begin
    counter.record(code, Platform.IOS)
    assert counter.flush(transaction) == 1
    counter.record(code, Platform.IOS)
    counter.record(code, Platform.BOT)
    assert counter.flush(transaction) == 2
    assert counter.flush(transaction) == 0, "nothing new: nothing written"
    assert _stored(engine) == {(code, DAY, Platform.IOS): 2, (code, DAY, Platform.BOT): 1}


def test_two_counters_flushing_the_same_key_both_count(engine: Engine) -> None:
    """Two server processes each with their own buffer: the upsert adds, never overwrites."""
    code = _code(engine)
    transaction = session_factory(engine, write=True).begin
    first, second = ScanCounter(clock=lambda: DAY), ScanCounter(clock=lambda: DAY)
    for _ in range(5):
        first.record(code, Platform.ANDROID)
    for _ in range(7):
        second.record(code, Platform.ANDROID)
    first.flush(transaction)
    second.flush(transaction)
    assert _stored(engine) == {(code, DAY, Platform.ANDROID): 12}


def test_a_failed_flush_keeps_the_counts_and_logs_once(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    code = _code(engine)
    counter = ScanCounter(clock=lambda: DAY)
    working = session_factory(engine, write=True).begin

    @contextmanager
    def broken() -> Iterator[Session]:
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        yield  # pragma: no cover

    counter.record(code, Platform.IOS)
    with caplog.at_level(logging.WARNING, logger="arservice.services.scans"):
        assert counter.flush(broken) == 0
        counter.record(code, Platform.IOS)
        assert counter.flush(broken) == 0
        assert counter.pending() == 2, "both scans wait for the next try"
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1, "a failure is logged once, not at every try"
        assert counter.flush(working) == 2
    assert _stored(engine) == {(code, DAY, Platform.IOS): 2}
    assert "stored again" in caplog.text


def test_counts_of_a_deleted_code_are_dropped_not_fatal(engine: Engine) -> None:
    counter = ScanCounter(clock=lambda: DAY)
    counter.record(999_999, Platform.IOS)
    assert counter.flush(session_factory(engine, write=True).begin) == 1
    assert _stored(engine) == {}


def _redirect(**fields: object) -> repo.Redirect:
    values: dict[str, object] = {
        "code_id": 1,
        "active": True,
        "target_url": None,
        "idea_slug": "gym",
        "idea_status": IdeaStatus.PUBLISHED,
        "lang": None,
    }
    values.update(fields)
    return repo.Redirect(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "target"),
    [
        ({}, "https://ar.example.org/i/gym"),
        ({"lang": "sv"}, "https://ar.example.org/i/gym?lang=sv"),
        (
            {"target_url": "https://city.example/photos?a=1", "idea_slug": None},
            "https://city.example/photos?a=1",
        ),
        ({"active": False}, Unavailable.INACTIVE),
        ({"active": False, "target_url": "https://x.example", "idea_slug": None}, "inactive"),
        ({"idea_status": IdeaStatus.DRAFT}, Unavailable.NOT_PUBLISHED),
        ({"idea_status": IdeaStatus.ARCHIVED}, Unavailable.NOT_PUBLISHED),
    ],
)
def test_where_a_scan_goes(fields: dict[str, object], target: str) -> None:
    assert scan_target(_redirect(**fields), "https://ar.example.org") == target


@pytest.mark.sqlite_only("SQLite's PRAGMA data_version; PostgreSQL's: test_scan_targets_notify.py")
def test_the_redirect_cache_forgets_at_any_commit_by_another_connection(engine: Engine) -> None:
    from arservice.services.scan_targets import MISS, RedirectLookup

    code_id = _code(engine)
    with session_factory(engine).begin() as session:
        code = repo.list_qr_codes(session)[0].code
    lookup = RedirectLookup(engine, session_factory(engine).begin)
    assert lookup.cached(code) is MISS
    first = lookup.lookup(code)
    assert first is not None
    assert first.target_url == "https://example.org/x"
    assert lookup.cached(code) == first, "nothing changed: from memory"
    assert lookup.cached("NOSUCH1") is MISS
    assert lookup.lookup("NOSUCH1") is None
    assert lookup.cached("NOSUCH1") is None, "an unknown code is remembered as unknown"
    with session_factory(engine, write=True).begin() as session:
        row = repo.get_qr_code_by_id(session, code_id)
        assert row is not None
        row.target_url = "https://example.org/y"
    assert lookup.cached(code) is MISS, "a commit elsewhere empties the cache"
    again = lookup.lookup(code)
    assert again is not None
    assert again.target_url == "https://example.org/y"
    lookup.close()
    assert lookup.cached(code) is MISS
