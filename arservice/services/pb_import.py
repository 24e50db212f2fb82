"""Import winning projects as draft ideas: create, update, or leave alone; report each one.

    report = import_projects(session, blobs, projects, rules_file.rules, actor_id=3,
                             winners_only=True, dry_run=False, base_url="https://ar.hel.fi")

One idea per project, found again by its platform and project id (and, for Decidim, the site's
host in its PB address). The caller reads the whole source first (:mod:`.pb_import_sources`)
and runs this in one transaction, so a fault anywhere imports nothing; a dry run does every
step in a savepoint and rolls it back, so its report is exactly what a real run would do.

Who owns what
    The source owns the texts (title, description and district per language), the budget, the
    PB address, ``selected`` and the building stage: an import writes a field when the source's
    value changed since the last import (the last values are kept, as digests, in the
    ``idea.pb_import`` audit entry). A field a planner edited in arservice is kept as long as
    the source's value stays the same; once the source changes it, the source wins. A language
    the source no longer has is left as it is.
    arservice owns the model (template and values), the site and the status: an import sets the
    model only on an idea that has none (from the first rule that matches), the site only on an
    idea that has none (from the source's location), and never publishes, unpublishes or
    archives. An archived idea is skipped.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from arservice.errors import ErrorItem
from arservice.i18n import LANGUAGES, N_, translate
from arservice.pb.records import Project
from arservice.pb.rules import Rule
from arservice.pb.text import shorten
from arservice.services.geopose import SiteIn, check_site, site_geopose
from arservice.services.idea_input import MAX_BUDGET_EUR, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS
from arservice.services.pb_import_rules import ResolvedRule, resolve_rules
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore
from arservice.store.models import Idea, IdeaStage, IdeaStatus

Result = Literal["created", "updated", "unchanged", "skipped"]
IMPORT_ACTION = "idea.pb_import"

MSG_SKIP_NO_TITLE = N_("it has no title in fi, sv or en")
MSG_SKIP_NOT_SELECTED = N_("it did not win the vote (only winners are imported)")
MSG_SKIP_ARCHIVED = N_("its idea {slug} is archived in arservice; publish it again to update it")
MSG_SKIP_BUDGET = N_("its budget of {euros} € is above the largest accepted, {max} €")
MSG_KEPT = N_("kept the planner's edit of {fields}: the source has not changed them")


@dataclass
class ImportItem:
    """What the import did with one project."""

    platform: str
    project_id: str
    title: dict[str, str]
    result: Result
    slug: str | None = None
    changes: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    template: str | None = None
    rule: str | None = None
    has_model: bool = False
    pb_url: str | None = None
    reason: ErrorItem | None = None

    def reason_text(self, lang: str) -> str | None:
        if self.reason is not None:
            return self.reason.message(lang)
        if self.kept:
            return translate(lang, MSG_KEPT, fields=", ".join(self.kept))
        return None


@dataclass
class ImportReport:
    dry_run: bool
    items: list[ImportItem]
    source: dict[str, Any]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("created", "updated", "unchanged", "skipped"), 0)
        for item in self.items:
            counts[item.result] += 1
        return counts

    def unmapped(self) -> list[ImportItem]:
        """Imported projects whose idea has no model yet: a planner must choose one."""
        return [item for item in self.items if item.result != "skipped" and not item.has_model]


def import_projects(
    session: Session,
    blobs: BlobStore,
    projects: list[Project],
    rules: list[Rule],
    *,
    actor_id: int | None,
    winners_only: bool = False,
    dry_run: bool = False,
    source: dict[str, Any] | None = None,
) -> ImportReport:
    """Create or update one draft idea per project (see the module); raises before writing
    anything when a rule names a missing template or values it refuses."""
    resolved = resolve_rules(session, blobs, rules)
    report = ImportReport(dry_run, [], dict(source or {}))
    savepoint = session.begin_nested()
    try:
        for project in projects:
            report.items.append(
                _import_one(session, project, resolved, actor_id=actor_id, winners=winners_only)
            )
        repo.append_audit(
            session,
            "import.run",
            actor_id=actor_id,
            target_type="import",
            target_id=report.source.get("kind"),
            details={"source": report.source, "counts": report.counts(), "dry_run": dry_run},
        )
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return report


def _import_one(
    session: Session,
    project: Project,
    rules: list[ResolvedRule],
    *,
    actor_id: int | None,
    winners: bool,
) -> ImportItem:
    item = ImportItem(project.platform, project.key, project.title, "skipped", pb_url=project.url)
    skip = _skip_reason(project, winners)
    idea = _find_idea(session, project)
    if skip is None and idea is not None and idea.status is IdeaStatus.ARCHIVED:
        skip = ErrorItem("", MSG_SKIP_ARCHIVED, {"slug": idea.slug})
    if skip is not None:
        item.reason, item.slug = skip, idea.slug if idea is not None else None
        return item
    wanted = source_values(project)
    matched = next((rule for rule in rules if rule.rule.matches(project)), None)
    if idea is None:
        idea = _new_idea(session, project, wanted, matched)
        item.result, item.changes = "created", sorted(wanted)
        last: dict[str, str] = {}
    else:
        last = _last_digests(session, idea.slug)
        item.changes, item.kept = _update_fields(idea, wanted, last)
        item.changes += _fill_arservice_fields(idea, project, matched)
        item.result = "updated" if item.changes else "unchanged"
    item.slug, item.has_model = (
        idea.slug,
        idea.template_id is not None or bool(idea.uploaded_glb_key),
    )
    item.template = idea.template_id
    item.rule = None if matched is None else (matched.rule.name or f"rules[{matched.index}]")
    digests = {name: _digest(value) for name, value in wanted.items()}
    if item.changes or digests != last:
        session.flush()
        repo.append_audit(
            session,
            IMPORT_ACTION,
            actor_id=actor_id,
            target_type="idea",
            target_id=idea.slug,
            details={
                "result": item.result,
                "platform": project.platform,
                "project_id": project.key,
                "changes": item.changes,
                "kept": item.kept,
                "source": digests,
            },
        )
    return item


def _skip_reason(project: Project, winners: bool) -> ErrorItem | None:
    if not project.title:
        return ErrorItem("", MSG_SKIP_NO_TITLE)
    if winners and not project.selected:
        return ErrorItem("", MSG_SKIP_NOT_SELECTED)
    if project.budget_cents is not None and project.budget_cents > MAX_BUDGET_EUR * 100:
        euros = project.budget_cents // 100
        return ErrorItem("", MSG_SKIP_BUDGET, {"euros": euros, "max": MAX_BUDGET_EUR})
    return None


def source_values(project: Project) -> dict[str, Any]:
    """The fields the source owns, by name (``title.fi``, ``pb_budget_cents``, ``stage``)."""
    values: dict[str, Any] = {}
    for lang, text in project.title.items():
        values[f"title.{lang}"] = shorten(text, MAX_TITLE_CHARS)
    for lang, text in project.description.items():
        values[f"description.{lang}"] = shorten(text, MAX_DESCRIPTION_CHARS)
    for lang, text in project.scope.items():
        values[f"district.{lang}"] = shorten(text, MAX_TITLE_CHARS)
    if project.budget_cents is not None:
        values["pb_budget_cents"] = project.budget_cents
    values["pb_selected"] = project.selected
    if project.url is not None:
        values["pb_url"] = project.url
    if project.stage is not None:
        values["stage"] = project.stage
    return values


def _current(idea: Idea, name: str) -> Any:
    column, _, lang = name.partition(".")
    value = getattr(idea, column)
    if lang:
        return dict(value or {}).get(lang)
    return value.value if isinstance(value, IdeaStage) else value


def _set(idea: Idea, name: str, value: Any) -> None:
    column, _, lang = name.partition(".")
    if lang:
        setattr(idea, column, {**dict(getattr(idea, column) or {}), lang: value})
    elif column == "stage":
        idea.stage = IdeaStage(value)
    else:
        setattr(idea, column, value)


def _update_fields(
    idea: Idea, wanted: Mapping[str, Any], last: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """Write the source's values that changed since the last import; the names written, and
    the names where a planner's different value was kept."""
    changed, kept = [], []
    for name, value in wanted.items():
        if _current(idea, name) == value:
            continue
        if last.get(name) == _digest(value):
            kept.append(name)
            continue
        _set(idea, name, value)
        changed.append(name)
    return changed, kept


def _fill_arservice_fields(idea: Idea, project: Project, rule: ResolvedRule | None) -> list[str]:
    """The model and the site, only where the idea has none."""
    changes = []
    if idea.template_id is None and not idea.uploaded_glb_key and rule is not None:
        idea.template_id, idea.template_version = rule.rule.template, rule.template_version
        idea.params = dict(rule.params)
        changes.append("template")
    if idea.site is None and project.location is not None:
        location = project.location
        site = check_site(SiteIn(latitude=location.latitude, longitude=location.longitude))
        idea.site = site_geopose(site)
        changes.append("site")
    return changes


def _new_idea(
    session: Session, project: Project, wanted: Mapping[str, Any], rule: ResolvedRule | None
) -> Idea:
    title = next(wanted[f"title.{lang}"] for lang in LANGUAGES if f"title.{lang}" in wanted)
    idea = Idea(
        slug=repo.new_idea_slug(session, title),
        pb_platform=project.platform,
        pb_project_id=project.key,
        title={},
        description={},
        district={},
    )
    for name, value in wanted.items():
        _set(idea, name, value)
    _fill_arservice_fields(idea, project, rule)
    return repo.add_idea(session, idea)


def _find_idea(session: Session, project: Project) -> Idea | None:
    """The idea made from ``project`` before: same platform and project id, and for a project
    that names its site, an idea whose PB address is on that site (or has none)."""
    query = select(Idea).where(
        Idea.pb_platform == project.platform, Idea.pb_project_id == project.key
    )
    for idea in session.scalars(query.order_by(Idea.id)):
        host = urlsplit(idea.pb_url).netloc.lower() if idea.pb_url else ""
        if not project.host or not host or host == project.host:
            return idea
    return None


def _last_digests(session: Session, slug: str) -> dict[str, str]:
    entries = repo.list_audit(
        session, action=IMPORT_ACTION, target_type="idea", target_id=slug, limit=1
    )
    source = entries[0].details.get("source") if entries else None
    return dict(source) if isinstance(source, dict) else {}


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False).encode()).hexdigest()[:16]


def idea_links(base_url: str, slug: str, title: str) -> dict[str, str]:
    """The idea's page and an iframe of its ``/embed/`` viewer, ready to paste into a Decidim
    project's description (both work once the idea is published)."""
    page, embed = f"{base_url}/i/{slug}", f"{base_url}/embed/{slug}"
    iframe = (
        f'<iframe src="{html.escape(embed)}" title="{html.escape(title)}" width="100%" '
        'height="480" style="border:0" allow="xr-spatial-tracking; fullscreen" '
        'loading="lazy"></iframe>'
    )
    return {"page": page, "embed": embed, "iframe": iframe}
