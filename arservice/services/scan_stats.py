"""Scan statistics for communications staff: per code or per campaign, by day and platform.

    period = scan_period("2025-06-01", "2025-06-30", today=date(2025, 7, 1))
    stats = code_scans(session, "7k3m9qx", period)      # or campaign_scans(session, slug, period)
    stats.rows        # one ScanDay per day of the period, zeros included
    scans_csv(stats)  # date,ios,android,other,people,bot

The period is validated here (ISO dates, ``from`` not after ``to``, at most
:data:`MAX_SPAN_DAYS` days), with clear errors naming the query parameter. Days are UTC days, as
the counts are kept (:mod:`arservice.services.scans`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from arservice.errors import InputError, NotFoundError
from arservice.i18n import N_
from arservice.printables import normalize_code
from arservice.store import repositories as repo
from arservice.store.models import Platform

MAX_SPAN_DAYS = 366
"""A year (a leap year's too): a chart of more days has no room for its bars, and a longer CSV
is better made per year."""
DEFAULT_SPAN_DAYS = 30
PEOPLE = (Platform.IOS, Platform.ANDROID, Platform.OTHER)
"""The families that are people; bots are kept apart."""
CSV_COLUMNS = ("date", "ios", "android", "other", "people", "bot")

MSG_DATE = N_("must be a date as YYYY-MM-DD, such as 2025-06-30; it is {value}")
MSG_ORDER = N_("the start date {start} is after the end date {end}: swap them")
MSG_SPAN = N_("the period may be at most {max} days; {start} to {end} is {days} days: ask for less")
MSG_NO_CODE = N_("there is no code {code}")
MSG_NO_CAMPAIGN = N_("there is no campaign {slug}")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=k) for k in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class ScanDay:
    day: date
    counts: dict[Platform, int]

    @property
    def people(self) -> int:
        return sum(self.counts[p] for p in PEOPLE)


@dataclass(frozen=True)
class CodeTotal:
    """One code of a campaign and its scans in the period."""

    code: str
    label: str
    idea_slug: str | None
    counts: dict[Platform, int]


@dataclass(frozen=True)
class ScanStats:
    """What was scanned: a code (``kind="code"``) or a campaign's codes, day by day."""

    kind: str
    name: str
    period: Period
    rows: list[ScanDay]
    codes: list[CodeTotal] = field(default_factory=list)

    @property
    def totals(self) -> dict[Platform, int]:
        return {p: sum(row.counts[p] for row in self.rows) for p in Platform}


def _parse_day(text: str, place: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError.single(place, MSG_DATE, value=text[:40]) from None


def scan_period(start: str | None, end: str | None, *, today: date) -> Period:
    """The period from the query's ``from`` and ``to``; by default the 30 days up to ``today``."""
    last = _parse_day(end, "to") if end else today
    first = _parse_day(start, "from") if start else last - timedelta(days=DEFAULT_SPAN_DAYS - 1)
    if first > last:
        raise InputError.single("from", MSG_ORDER, start=first.isoformat(), end=last.isoformat())
    days = (last - first).days + 1
    if days > MAX_SPAN_DAYS:
        raise InputError.single("to", MSG_SPAN, max=MAX_SPAN_DAYS, start=first, end=last, days=days)
    return Period(first, last)


def _by_day(period: Period, rows: Iterable[repo.ScanRow]) -> list[ScanDay]:
    days = {day: dict.fromkeys(Platform, 0) for day in period.days}
    for row in rows:
        if row.day in days:
            days[row.day][row.platform] += row.count
    return [ScanDay(day, counts) for day, counts in days.items()]


def code_scans(session: Session, code: str, period: Period) -> ScanStats:
    """Scans of one code (typed in any case, with Crockford's aliases)."""
    try:
        normalized = normalize_code(code)
    except InputError:
        raise NotFoundError.single("code", MSG_NO_CODE, code=code[:40]) from None
    found = repo.get_qr_code(session, normalized)
    if found is None:
        raise NotFoundError.single("code", MSG_NO_CODE, code=normalized)
    rows = repo.scan_counts(session, [found.id], since=period.start, until=period.end)
    return ScanStats("code", found.code, period, _by_day(period, rows))


def campaign_scans(session: Session, slug: str, period: Period) -> ScanStats:
    """Scans of every code of a campaign, added up per day; and each code's totals."""
    campaign = repo.get_campaign_by_slug(session, slug)
    if campaign is None:
        raise NotFoundError.single("slug", MSG_NO_CAMPAIGN, slug=slug[:100])
    entries = list(campaign.entries)
    rows = repo.scan_counts(
        session, [e.code_id for e in entries], since=period.start, until=period.end
    )
    per_code: dict[int, dict[Platform, int]] = {
        e.code_id: dict.fromkeys(Platform, 0) for e in entries
    }
    for row in rows:
        per_code[row.code_id][row.platform] += row.count
    codes = [
        CodeTotal(e.code.code, e.code.label, e.idea.slug, per_code[e.code_id]) for e in entries
    ]
    return ScanStats("campaign", campaign.slug, period, _by_day(period, rows), codes)


def scans_csv(stats: ScanStats) -> str:
    """One row per day (a spreadsheet's natural shape: a date column, then a column per
    platform, the people's sum and the bots), every day of the period, zeros included."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in stats.rows:
        counts = row.counts
        writer.writerow(
            [
                row.day.isoformat(),
                counts[Platform.IOS],
                counts[Platform.ANDROID],
                counts[Platform.OTHER],
                row.people,
                counts[Platform.BOT],
            ]
        )
    return out.getvalue()


def csv_filename(stats: ScanStats) -> str:
    """``scans-7K3M9QX-2025-06-01-2025-06-30.csv`` (slugs and codes are ASCII already)."""
    prefix = "scans" if stats.kind == "code" else "scans-campaign"
    return f"{prefix}-{stats.name}-{stats.period.start}-{stats.period.end}.csv"


def series_counts(stats: ScanStats, platforms: Sequence[Platform]) -> list[list[int]]:
    """Per platform, the counts of every day (for the chart)."""
    return [[row.counts[p] for row in stats.rows] for p in platforms]
