"""Scan statistics for communications staff: JSON, a CSV download and an SVG chart.

    GET /api/v1/codes/{code}/scans[.csv|.svg]        comms: one code
    GET /api/v1/campaigns/{slug}/scans[.csv|.svg]    comms: a campaign's codes added up

``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (UTC days, both included; default the 30 days up to today;
at most 366 days). Every day of the period is there, zeros included. "comms" is the comms role
or an admin, as for the campaigns themselves. None of it is cached (``no-store``).

The CSV has a row per day: ``date,ios,android,other,people,bot`` (``people`` is the sum of the
three before it; bots are kept apart). The SVG chart stacks the platforms of each day and is
self-contained (no script, no font, no link): it can be put in an ``<img>`` or downloaded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from arservice.i18n import N_, translate
from arservice.printables.chart import ChartData, ChartSeries, scan_chart_svg
from arservice.services import scan_stats
from arservice.services.scan_stats import Period, ScanStats
from arservice.store.models import Platform
from arservice.web.auth import CommsDep
from arservice.web.context import AppContext, ContextDep
from arservice.web.errors import ERROR_RESPONSES, documented
from arservice.web.language import request_language

router = APIRouter(prefix="/api/v1", tags=["scan statistics"], responses=ERROR_RESPONSES)

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: documented("No such code or campaign.")}
INVALID: dict[int | str, dict[str, Any]] = {
    422: documented("A date is not YYYY-MM-DD, from is after to, or the span is too long.")
}
NO_STORE = {"Cache-Control": "no-store"}
SVG_HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}
FromQuery = Annotated[
    str | None, Query(alias="from", max_length=40, description="First day, YYYY-MM-DD (UTC).")
]
ToQuery = Annotated[
    str | None, Query(alias="to", max_length=40, description="Last day, YYYY-MM-DD; default today.")
]

CHART_PLATFORMS = (Platform.IOS, Platform.ANDROID, Platform.OTHER, Platform.BOT)
SERIES_NAMES = {
    Platform.IOS: "iOS",
    Platform.ANDROID: "Android",
    Platform.OTHER: N_("other"),
    Platform.BOT: N_("bots"),
}
MSG_AXIS = N_("scans")
MSG_TITLE_CODE = N_("Scans of code {name}")
MSG_TITLE_CAMPAIGN = N_("Scans of campaign {name}")
MSG_DESCRIPTION = N_(
    "Scans per day from {start} to {end}, stacked by platform: {people} by people (iOS {ios}, "
    "Android {android}, other {other}) and {bot} by bots."
)


class ScanCounts(BaseModel):
    ios: int
    android: int
    other: int
    people: int = Field(description="ios + android + other: scans by people.")
    bot: int = Field(description="Link previewers, crawlers, scripts: not people.")

    @classmethod
    def of(cls, counts: dict[Platform, int]) -> ScanCounts:
        people = sum(counts[p] for p in scan_stats.PEOPLE)
        return cls(
            ios=counts[Platform.IOS],
            android=counts[Platform.ANDROID],
            other=counts[Platform.OTHER],
            people=people,
            bot=counts[Platform.BOT],
        )


class ScanDayOut(BaseModel):
    date: str
    ios: int
    android: int
    other: int
    people: int
    bot: int


class CodeScansOut(BaseModel):
    code: str
    label: str
    idea: str | None = Field(description="The slug of the campaign's idea this code was made for.")
    totals: ScanCounts


class ScanStatsOut(BaseModel):
    kind: str = Field(description="code or campaign")
    name: str = Field(description="The code, or the campaign's slug.")
    start: str = Field(serialization_alias="from")
    end: str = Field(serialization_alias="to")
    totals: ScanCounts
    days: list[ScanDayOut]
    codes: list[CodeScansOut] = Field(description="A campaign's codes (empty for one code).")

    @classmethod
    def of(cls, stats: ScanStats) -> ScanStatsOut:
        return cls(
            kind=stats.kind,
            name=stats.name,
            start=stats.period.start.isoformat(),
            end=stats.period.end.isoformat(),
            totals=ScanCounts.of(stats.totals),
            days=[
                ScanDayOut(date=r.day.isoformat(), **ScanCounts.of(r.counts).model_dump())
                for r in stats.rows
            ],
            codes=[
                CodeScansOut(
                    code=c.code, label=c.label, idea=c.idea_slug, totals=ScanCounts.of(c.counts)
                )
                for c in stats.codes
            ],
        )


def _period(start: str | None, end: str | None) -> Period:
    return scan_stats.scan_period(start, end, today=datetime.now(UTC).date())


def _code(
    code: str,
    principal: CommsDep,
    context: ContextDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> ScanStats:
    """The statistics of one code: a dependency shared by its JSON, CSV and SVG routes, so the
    three have the same parameters, role check and errors (OpenAPI lists its parameters under
    each route as if they were the route's own)."""
    period = _period(start, end)
    with context.reading() as session:
        return scan_stats.code_scans(session, code, period)


def _campaign(
    slug: str,
    principal: CommsDep,
    context: ContextDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> ScanStats:
    """The statistics of a campaign's codes added up: shared like :func:`_code`."""
    period = _period(start, end)
    with context.reading() as session:
        return scan_stats.campaign_scans(session, slug, period)


CodeStats = Annotated[ScanStats, Depends(_code)]
CampaignStats = Annotated[ScanStats, Depends(_campaign)]


def csv_response(stats: ScanStats) -> Response:
    filename = scan_stats.csv_filename(stats)
    return Response(
        scan_stats.scans_csv(stats).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def svg_response(stats: ScanStats, request: Request, context: AppContext) -> Response:
    lang = request_language(request, context.settings.default_language)
    totals = ScanCounts.of(stats.totals).model_dump()
    title = MSG_TITLE_CODE if stats.kind == "code" else MSG_TITLE_CAMPAIGN
    counts = scan_stats.series_counts(stats, CHART_PLATFORMS)
    data = ChartData(
        days=[row.day for row in stats.rows],
        series=[
            ChartSeries(translate(lang, SERIES_NAMES[p]), series)
            for p, series in zip(CHART_PLATFORMS, counts, strict=True)
        ],
        title=translate(lang, title, name=stats.name),
        description=translate(
            lang,
            MSG_DESCRIPTION,
            start=stats.period.start.isoformat(),
            end=stats.period.end.isoformat(),
            **totals,
        ),
        axis_label=translate(lang, MSG_AXIS),
    )
    body = scan_chart_svg(data).encode("utf-8")
    headers = {**SVG_HEADERS, "Content-Language": lang, "Vary": "Accept-Language"}
    return Response(body, media_type="image/svg+xml; charset=utf-8", headers=headers)


CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}, **NOT_FOUND, **INVALID}
SVG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {}}},
    **NOT_FOUND,
    **INVALID,
}


def json_response(stats: ScanStats, response: Response) -> ScanStatsOut:
    response.headers.update(NO_STORE)
    return ScanStatsOut.of(stats)


@router.get("/codes/{code}/scans", responses={**NOT_FOUND, **INVALID})
def code_scans(stats: CodeStats, response: Response) -> ScanStatsOut:
    """Scans of one code per day and platform, with the period's totals."""
    return json_response(stats, response)


@router.get("/codes/{code}/scans.csv", response_class=Response, responses=CSV)
def code_scans_csv(stats: CodeStats) -> Response:
    """The same as a CSV download: a row per day, a column per platform."""
    return csv_response(stats)


@router.get("/codes/{code}/scans.svg", response_class=Response, responses=SVG)
def code_scans_svg(stats: CodeStats, request: Request, context: ContextDep) -> Response:
    """The same as a bar chart (SVG), in the language of ``?lang=`` or Accept-Language."""
    return svg_response(stats, request, context)


@router.get("/campaigns/{slug}/scans", responses={**NOT_FOUND, **INVALID})
def campaign_scans(stats: CampaignStats, response: Response) -> ScanStatsOut:
    """Scans of a campaign's codes added up per day and platform, and each code's totals."""
    return json_response(stats, response)


@router.get("/campaigns/{slug}/scans.csv", response_class=Response, responses=CSV)
def campaign_scans_csv(stats: CampaignStats) -> Response:
    """The campaign's scans as a CSV download: a row per day, a column per platform."""
    return csv_response(stats)


@router.get("/campaigns/{slug}/scans.svg", response_class=Response, responses=SVG)
def campaign_scans_svg(stats: CampaignStats, request: Request, context: ContextDep) -> Response:
    """The campaign's scans as a bar chart (SVG)."""
    return svg_response(stats, request, context)
