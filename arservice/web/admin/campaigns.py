"""The communications staff's campaign pages (comms or admin; others get the 403 page).

    GET /admin/campaigns                        every campaign; a new one (campaign-new.js:
                                                POST /api/v1/campaigns)
    GET /admin/campaigns/{slug}?from=&to=       one campaign: its ideas with their codes and
                                                short addresses, add and remove ideas, name,
                                                languages and size (campaign.js: PATCH, POST
                                                .../ideas, DELETE .../ideas/{idea}), the zip,
                                                and its scans chart for a period

The pages read on the server (lists, the chart's period and totals); every change is the
script's call to the JSON API, so the rules and messages stay the API's. The zip and the chart
are plain links and an ``<img>``: the session cookie authorizes a GET. The chart's text
alternative says the period's totals, and a table gives each code's, so nothing is only in the
picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from arservice.errors import InputError, NotFoundError
from arservice.i18n import LANGUAGES
from arservice.services import campaigns, ideas, scan_stats
from arservice.services.scan_stats import ScanStats
from arservice.store.models import IdeaStatus, Platform
from arservice.web.admin.guard import staff_page
from arservice.web.admin.page import COMMS_PAGES, AdminPage
from arservice.web.context import AppContext, ContextDep
from arservice.web.page_data import Text, pick
from arservice.web.pages import LANGUAGE_NAMES
from arservice.web.routes.campaigns import campaign_public

router = APIRouter(include_in_schema=False)

DateQuery = Annotated[str | None, Query(alias="from", max_length=40)]
ToQuery = Annotated[str | None, Query(alias="to", max_length=40)]


@dataclass(frozen=True)
class IdeaChoice:
    """A published idea as the pickers show it; ``campaigns`` are the slugs it is in."""

    slug: str
    title: Text
    district: str
    campaigns: tuple[str, ...]


@dataclass(frozen=True)
class CodeTotals:
    code: str
    label: str
    idea: str | None
    people: int
    bot: int


@dataclass
class Chart:
    """A scans chart for the page: the SVG and CSV addresses for the period, the text
    alternative, and the problems with the asked period (then the default period is shown)."""

    svg: str
    csv: str
    alt: str
    start: str
    end: str
    errors: dict[str, str] = field(default_factory=dict)
    codes: list[CodeTotals] = field(default_factory=list)


def idea_choices(session: Session, lang: str) -> list[IdeaChoice]:
    """Every published idea, with the campaigns it is in (a filter of the pickers)."""
    member: dict[str, list[str]] = {}
    for campaign in campaigns.list_campaigns(session):
        for entry in campaign.entries:
            member.setdefault(entry.idea.slug, []).append(campaign.slug)
    found = ideas.list_ideas(session, staff=True, status=IdeaStatus.PUBLISHED)
    return [
        IdeaChoice(
            idea.slug,
            pick(dict(idea.title), lang) or Text(idea.slug, "en"),
            district.text if (district := pick(dict(idea.district), lang)) else "",
            tuple(member.get(idea.slug, ())),
        )
        for idea in found
    ]


def campaign_labels(session: Session, lang: str) -> list[dict[str, str]]:
    """Each campaign's slug and name, for the pickers' "in campaign" filter."""
    return [
        {"slug": c.slug, "label": name.text if (name := pick(dict(c.name), lang)) else c.slug}
        for c in campaigns.list_campaigns(session)
    ]


def districts_of(choices: Sequence[IdeaChoice]) -> list[str]:
    return sorted({choice.district for choice in choices if choice.district}, key=str.casefold)


def scans_chart(
    page: AdminPage, context: AppContext, kind: str, name: str, start: str | None, end: str | None
) -> Chart:
    """The chart of a code (``kind="code"``) or a campaign for the asked period; a bad period
    is told beside its field, as the API words it, and the default period is shown instead."""
    today = datetime.now(UTC).date()
    errors: dict[str, str] = {}
    try:
        period = scan_stats.scan_period(start, end, today=today)
    except InputError as error:
        errors = {item.loc: item.message(page.lang) for item in error.items}
        period = scan_stats.scan_period(None, None, today=today)
    with context.reading() as session:
        if kind == "code":
            stats = scan_stats.code_scans(session, name, period)
        else:
            stats = scan_stats.campaign_scans(session, name, period)
    base = f"{page.root}/api/v1/{'codes' if kind == 'code' else 'campaigns'}/{name}/scans"
    query = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    return Chart(
        svg=f"{base}.svg?{urlencode({**query, 'lang': page.lang})}",
        csv=f"{base}.csv?{urlencode(query)}",
        alt=page.t("chart_alt", **_totals(stats, query)),
        start=query["from"],
        end=query["to"],
        errors=errors,
        codes=[
            CodeTotals(
                c.code,
                c.label,
                c.idea_slug,
                sum(c.counts[p] for p in scan_stats.PEOPLE),
                c.counts[Platform.BOT],
            )
            for c in stats.codes
        ],
    )


def _totals(stats: ScanStats, query: dict[str, str]) -> dict[str, object]:
    totals = stats.totals
    return {
        "start": query["from"],
        "end": query["to"],
        "people": sum(totals[p] for p in scan_stats.PEOPLE),
        "ios": totals[Platform.IOS],
        "android": totals[Platform.ANDROID],
        "other": totals[Platform.OTHER],
        "bot": totals[Platform.BOT],
    }


def languages() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]


@router.get("/admin/campaigns", response_class=HTMLResponse)
def campaign_list(request: Request, context: ContextDep) -> Response:
    page = staff_page(request, context, *COMMS_PAGES)
    if not isinstance(page, AdminPage):
        return page
    with context.reading() as session:
        rows = [
            campaign_public(c, context.settings.base_url) for c in campaigns.list_campaigns(session)
        ]
        choices = idea_choices(session, page.lang)
        labels = campaign_labels(session, page.lang)
    return page.render(
        "campaigns.html",
        all_campaigns=labels,
        current="/admin/campaigns",
        campaigns=rows,
        choices=choices,
        districts=districts_of(choices),
        languages=languages(),
        name_of=lambda name: pick(name, page.lang),
        date=lambda value: value.strftime("%Y-%m-%d"),
    )


@router.get("/admin/campaigns/{slug}", response_class=HTMLResponse)
def campaign_page(
    slug: str,
    request: Request,
    context: ContextDep,
    start: DateQuery = None,
    end: ToQuery = None,
) -> Response:
    page = staff_page(request, context, *COMMS_PAGES)
    if not isinstance(page, AdminPage):
        return page
    try:
        with context.reading() as session:
            campaign = campaign_public(
                campaigns.get_campaign(session, slug), context.settings.base_url
            )
            choices = idea_choices(session, page.lang)
            labels = campaign_labels(session, page.lang)
    except NotFoundError:
        return page.render("not_found.html", status=404, current="/admin/campaigns")
    present = {entry.idea for entry in campaign.ideas}
    return page.render(
        "campaign.html",
        current="/admin/campaigns",
        campaign=campaign,
        heading=pick(campaign.name, page.lang) or Text(campaign.slug, "en"),
        choices=[choice for choice in choices if choice.slug not in present],
        all_campaigns=[label for label in labels if label["slug"] != slug],
        districts=districts_of(choices),
        languages=languages(),
        chart=scans_chart(page, context, "campaign", campaign.slug, start, end),
        title_of=lambda title: pick(title, page.lang),
    )
