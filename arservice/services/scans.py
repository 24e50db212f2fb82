"""Counting scans of printed codes: what a scan leaves behind, and getting it into the database.

A scan of ``/q/{code}`` becomes one step of a counter keyed by (code id, UTC day, platform
family). Nothing else about the request survives this module: the User-Agent is read once, in
memory, by :func:`classify_platform` and thrown away; the address, the referrer and any cookie
are never looked at.

    counter = ScanCounter()                        # one per app (the app's context holds it)
    counter.record(code_id, classify_platform(user_agent))   # in the request: memory only
    counter.flush(context.transaction)             # every few seconds and at shutdown

Why a buffer: a scan must not wait for a database write (on SQLite every write takes the one
write lock; under a burst of scans they would queue behind each other). :meth:`ScanCounter.record`
is a dictionary increment under a lock; :meth:`ScanCounter.flush` adds everything buffered in
one upsert that adds to the stored counts (``count = count + n`` in the database,
:func:`arservice.store.repositories.add_scan_counts`), so several processes flushing at once
never lose each other's scans. A flush that fails puts its counts back for the next try.

What can be lost: only scans still in the buffer when the process dies without shutting down
(``kill -9``, a power cut): at most ``scan_flush_seconds`` of scans. A normal stop (SIGTERM,
SIGINT) flushes first.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from urllib.parse import quote, urlencode

import anyio
from sqlalchemy.orm import Session

from arservice.store import repositories as repo
from arservice.store.models import IdeaStatus, Platform

logger = logging.getLogger(__name__)

ScanKey = repo.ScanKey
"""(code id, UTC day, platform family)."""

USER_AGENT_CHARS = 512
"""Only the start of a User-Agent is looked at: every marker below sits well inside it, and a
huge header costs no more than a normal one."""

BOT_MARKERS = (
    "bot/", "bot-", "bot;", "bot)", "spider", "crawl", "slurp", "preview", "scraper",
    "fetcher", "facebookexternalhit", "whatsapp", "telegram", "discord", "slack", "linkedin",
    "embedly", "pinterest", "curl/", "wget/", "python-", "python/", "aiohttp", "httpx",
    "go-http-client", "java/", "okhttp/", "libwww", "scrapy", "node-fetch", "axios", "headless",
    "lighthouse", "pingdom", "uptime", "monitor", "apache-httpclient", "postman", "insomnia",
)  # fmt: skip
"""Link previewers (messaging apps unfurl a shared link by fetching it), crawlers, HTTP
libraries and command-line clients, headless browsers and uptime monitors, as lower-case
substrings. None of them is a person looking at a sign; they are counted apart so the
statistics show people. (Plain substring tests: a regular expression of the same
alternatives took 60 µs a scan, these take a few.)"""
IOS_MARKERS = ("iphone", "ipad", "ipod", "cpu os ")
BARE_AGENTS = frozenset({"mozilla/5.0", "mozilla/4.0"})


def classify_platform(user_agent: str | None) -> Platform:
    """The platform family of a User-Agent: ``bot`` first (Googlebot's smartphone agent says
    Android too), then ``ios``, ``android``, else ``other``.

    No User-Agent at all is a ``bot``: every phone browser and camera app sends one. iPadOS
    Safari that asks for desktop sites says "Macintosh" and is counted as ``other``: nothing in
    its User-Agent tells it from a Mac.
    """
    text = (user_agent or "")[:USER_AGENT_CHARS].strip().lower()
    if not text or text in BARE_AGENTS or text.endswith("bot"):
        return Platform.BOT
    if any(marker in text for marker in BOT_MARKERS):
        return Platform.BOT
    if any(marker in text for marker in IOS_MARKERS):
        return Platform.IOS
    if "android" in text:
        return Platform.ANDROID
    return Platform.OTHER


def utc_today() -> date:
    return datetime.now(UTC).date()


Transaction = Callable[[], AbstractContextManager[Session]]
"""Opens a transaction that may write and commits it when the block ends
(:meth:`arservice.web.context.AppContext.transaction`)."""


class ScanCounter:
    """Scans counted in memory until the next flush. Safe from any thread: requests record
    from the server's worker threads while a flush runs in another.

    ``clock`` gives the UTC day a scan is counted on (a test passes a fixed one).
    """

    def __init__(self, clock: Callable[[], date] = utc_today) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: Counter[ScanKey] = Counter()
        self._failing = False

    def record(self, code_id: int, platform: Platform) -> None:
        """One scan of ``code_id`` from ``platform``, today (UTC). Memory only: never waits for
        the database."""
        key = (code_id, self._clock(), platform)
        with self._lock:
            self._pending[key] += 1

    def pending(self) -> int:
        """How many scans wait for the next flush."""
        with self._lock:
            return sum(self._pending.values())

    def take(self) -> dict[ScanKey, int]:
        """Everything buffered, leaving the buffer empty (for a flush)."""
        with self._lock:
            taken, self._pending = dict(self._pending), Counter()
        return taken

    def put_back(self, counts: Mapping[ScanKey, int]) -> None:
        """Counts a flush could not store: they are added to what came in meanwhile."""
        with self._lock:
            self._pending.update(counts)

    def flush(self, transaction: Transaction) -> int:
        """Add the buffered counts to the database in one transaction; how many scans it stored.

        When the database refuses (locked too long, unreachable), the counts go back into the
        buffer for the next flush and the failure is logged once, not at every try, until a
        flush succeeds again. Never raises for a database error.
        """
        counts = self.take()
        if not counts:
            return 0
        try:
            with transaction() as session:
                repo.add_scan_counts(session, counts)
        except Exception:
            self.put_back(counts)
            if not self._failing:
                self._failing = True
                logger.exception(
                    "could not store %d scan counts; they are kept and retried at the next flush",
                    sum(counts.values()),
                )
            return 0
        if self._failing:
            self._failing = False
            logger.warning("scan counts are stored again (the earlier failure is over)")
        return sum(counts.values())


async def flush_periodically(
    counter: ScanCounter, transaction: Transaction, interval_seconds: float
) -> None:
    """Flush ``counter`` every ``interval_seconds`` until cancelled (the app's lifespan runs it
    as a background task and flushes once more after cancelling it).

    The flush itself runs in a worker thread: a database write never blocks the event loop
    that answers other requests.
    """
    while True:
        await anyio.sleep(interval_seconds)
        await anyio.to_thread.run_sync(counter.flush, transaction)


class Unavailable(enum.StrEnum):
    """Why a scan is not redirected: each gets its own friendly page."""

    MALFORMED = "malformed"  # not a code at all: characters outside Crockford base32, too long
    UNKNOWN = "unknown"  # well-formed, but no such code
    INACTIVE = "inactive"  # comms turned the code off
    NOT_PUBLISHED = "not_published"  # its idea is a draft or archived (its slug stays secret)


def scan_target(found: repo.Redirect, base_url: str) -> str | Unavailable:
    """Where a scan of ``found`` goes now: the idea's page (``?lang=`` when the code has a
    language) or the code's URL; or why it goes nowhere.

    Read at every scan, so retargeting a code takes effect on the next scan. An idea that is
    not published is never named: a draft's slug would tell what is being prepared.
    """
    if not found.active:
        return Unavailable.INACTIVE
    if found.target_url is not None:
        return found.target_url
    if found.idea_slug is None or found.idea_status != IdeaStatus.PUBLISHED:
        return Unavailable.NOT_PUBLISHED
    page = f"{base_url}/i/{quote(found.idea_slug, safe='')}"
    return f"{page}?{urlencode({'lang': found.lang})}" if found.lang else page
