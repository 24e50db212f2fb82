"""Importing winning projects, for the staff UI and scripts (planners and admins).

    POST /api/v1/imports/decidim   planner: import from a Decidim site (JSON body; dry_run)
    POST /api/v1/imports/csv       planner: import a CSV file (multipart 'file'; ?dry_run=true)
    GET  /api/v1/imports/rules     staff: the mapping rules in force (the saved, else shipped)
    PUT  /api/v1/imports/rules     planner: replace the mapping rules (checked first)

Each import answers its report: what happened to every project (created, updated, unchanged,
skipped with the reason), which ideas have no model yet, and for each idea the plain link and
an iframe snippet of its ``/embed/`` viewer to paste into the Decidim project's description.
The source is read first and written in one transaction, so a failure imports nothing.

The server only reads public addresses (no private, loopback or link-local network): the
:func:`source_reader` dependency says how sites are reached, and tests override it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from arservice.i18n import pick_text
from arservice.pb.decidim import DecidimRead
from arservice.pb.records import Project
from arservice.services.pb_import import ImportItem, ImportReport, idea_links, import_projects
from arservice.services.pb_import_rules import load_rules, save_rules
from arservice.services.pb_import_sources import DecidimRequest, Reader, read_csv, read_decidim
from arservice.web.auth import PlannerDep, StaffDep
from arservice.web.context import AppContext, ContextDep
from arservice.web.errors import ERROR_RESPONSES, documented
from arservice.web.language import request_language

router = APIRouter(prefix="/api/v1/imports", tags=["imports"], responses=ERROR_RESPONSES)

FAILED: dict[int | str, dict[str, Any]] = {
    400: documented("The source cannot be read (pb_source_failed); nothing was imported."),
    422: documented(
        "A field, a CSV line or a mapping rule is not acceptable; each item says where."
    ),
}
Id = Annotated[StrictStr, Field(pattern=r"^[0-9]{1,12}$", description="A Decidim id (digits).")]


def source_reader() -> Reader:
    """How the server reaches a Decidim site: public addresses only (tests override this)."""
    return Reader()


ReaderDep = Annotated[Reader, Depends(source_reader)]


class DecidimImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api: StrictStr = Field(
        max_length=500, description="The Decidim site or its API: https://omastadi.hel.fi/api."
    )
    component: Id = Field(description="The Budgets component (the number after /f/ in its URL).")
    budget: Id | None = Field(default=None, description="One budget; default: all of them.")
    accountability: Id | None = Field(
        default=None, description="An Accountability component: building stages and locations."
    )
    winners_only: StrictBool = Field(default=False, description="Only projects that won.")
    dry_run: StrictBool = Field(default=False, description="Report only; write nothing.")


class LinksOut(BaseModel):
    page: str = Field(description="The idea's page (public once it is published).")
    embed: str = Field(description="The chrome-less viewer for an iframe.")
    iframe: str = Field(description="HTML to paste into the Decidim project's description.")


class ImportItemOut(BaseModel):
    platform: str
    project_id: str
    title: dict[str, str]
    result: str = Field(description="created, updated, unchanged or skipped.")
    reason: str | None = Field(description="Why it was skipped, or which edits were kept.")
    slug: str | None
    changes: list[str] = Field(description="The fields written: title.fi, pb_budget_cents, …")
    kept: list[str] = Field(description="Fields a planner edited that the source left alone.")
    template: str | None
    rule: str | None = Field(description="The mapping rule that chose the template.")
    has_model: bool
    pb_url: str | None
    links: LinksOut | None


class ImportReportOut(BaseModel):
    dry_run: bool
    source: dict[str, Any]
    counts: dict[str, int]
    items: list[ImportItemOut]
    unmapped: list[str] = Field(description="Slugs of imported ideas with no model yet.")


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: StrictStr = Field(description="The rules file, YAML (format: docs/import.md).")


class RulesOut(BaseModel):
    source: str
    default: bool = Field(description="True: no rules saved; these are the shipped ones.")
    rules: list[dict[str, Any]]


@router.post("/decidim", responses=FAILED)
def import_decidim(
    body: DecidimImportIn,
    request: Request,
    principal: PlannerDep,
    context: ContextDep,
    reader: ReaderDep,
) -> ImportReportOut:
    """Import a Decidim Budgets component's projects as draft ideas (see the module)."""
    wanted = DecidimRequest(
        body.api, body.component, body.budget, body.accountability, body.winners_only
    )
    found: DecidimRead = read_decidim(wanted, reader)
    report = _import(
        context, found.projects, principal.user_id, wanted.describe(), body.winners_only,
        body.dry_run,
    )  # fmt: skip
    return _report_out(report, request, context)


@router.post("/csv", responses=FAILED)
def import_csv(
    request: Request,
    principal: PlannerDep,
    context: ContextDep,
    file: Annotated[UploadFile, File(description="The CSV file (columns: docs/import.md).")],
    dry_run: bool = False,
    winners_only: bool = False,
) -> ImportReportOut:
    """Import the projects of a CSV file as draft ideas; every bad line is reported."""
    projects = read_csv(file.file.read())
    source = {"kind": "csv", "file": file.filename, "winners_only": winners_only}
    report = _import(context, projects, principal.user_id, source, winners_only, dry_run)
    return _report_out(report, request, context)


@router.get("/rules")
def get_rules(principal: StaffDep, context: ContextDep) -> RulesOut:
    """The mapping rules in force: the saved ones, else those shipped with arservice."""
    with context.reading() as session:
        rules = load_rules(session, context.blobs)
    return RulesOut(source=rules.source, default=rules.default, rules=_rules_out(rules.rules))


@router.put("/rules", responses={422: documented("A rule is not valid; each item names it.")})
def put_rules(body: RulesIn, principal: PlannerDep, context: ContextDep) -> RulesOut:
    """Replace the mapping rules; they are checked (structure, templates, values) first."""
    with context.transaction() as session:
        rules = save_rules(session, context.blobs, body.source, actor_id=principal.user_id)
    return RulesOut(source=rules.source, default=False, rules=_rules_out(rules.rules))


def _import(
    context: AppContext,
    projects: list[Project],
    actor_id: int,
    source: dict[str, Any],
    winners_only: bool,
    dry_run: bool,
) -> ImportReport:
    with context.transaction() as session:
        rules = load_rules(session, context.blobs).rules
        return import_projects(
            session,
            context.blobs,
            projects,
            rules,
            actor_id=actor_id,
            winners_only=winners_only,
            dry_run=dry_run,
            source=source,
        )


def _rules_out(rules: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": rule.name,
            "category": list(rule.category),
            "scope": list(rule.scope),
            "keywords": list(rule.keywords),
            "template": rule.template,
            "params": dict(rule.params),
        }
        for rule in rules
    ]


def _report_out(report: ImportReport, request: Request, context: AppContext) -> ImportReportOut:
    lang = request_language(request, context.settings.default_language)
    base = context.settings.base_url
    return ImportReportOut(
        dry_run=report.dry_run,
        source=report.source,
        counts=report.counts(),
        items=[_item_out(item, lang, base) for item in report.items],
        unmapped=[item.slug for item in report.unmapped() if item.slug],
    )


def _item_out(item: ImportItem, lang: str, base: str) -> ImportItemOut:
    links = None
    if item.slug is not None and item.result != "skipped":
        links = LinksOut(**idea_links(base, item.slug, pick_text(item.title, lang)))
    return ImportItemOut(
        platform=item.platform,
        project_id=item.project_id,
        title=item.title,
        result=item.result,
        reason=item.reason_text(lang),
        slug=item.slug,
        changes=item.changes,
        kept=item.kept,
        template=item.template,
        rule=item.rule,
        has_model=item.has_model,
        pb_url=item.pb_url,
        links=links,
    )
