"""Importing winners into a real SQLite database from the local Decidim API: what a first
import creates, what a re-import changes after edits on both sides, what it never touches, the
dry run, and that a failing source imports nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from arservice.errors import InputError, ParameterError
from arservice.pb.errors import SourceError
from arservice.pb.rules import parse_rules
from arservice.services.pb_import import ImportReport, import_projects
from arservice.services.pb_import_rules import default_rules_source, load_rules, save_rules
from arservice.services.pb_import_sources import DecidimRequest, Reader, read_decidim
from arservice.store import repositories as repo
from arservice.store.blobs import MemoryBlobStore
from arservice.store.db import session_factory
from arservice.store.models import Idea, IdeaStage, IdeaStatus
from tests.support.decidim_server import DecidimServer, running_decidim

RULES = parse_rules(default_rules_source())


@pytest.fixture
def decidim() -> Iterator[DecidimServer]:
    with running_decidim() as server:
        yield server
        assert server.rejected == []


def run(
    engine: Engine,
    blobs: MemoryBlobStore,
    server: DecidimServer,
    *,
    dry_run: bool = False,
    winners_only: bool = True,
) -> ImportReport:
    """One import as the CLI and the API do it: read everything, then one transaction."""
    request = DecidimRequest(server.api, "10", accountability="12", winners_only=winners_only)
    found = read_decidim(request, Reader(allow_private=True, sleep=lambda s: None))
    with session_factory(engine, write=True).begin() as session:
        return import_projects(
            session,
            blobs,
            found.projects,
            RULES,
            actor_id=None,
            winners_only=winners_only,
            dry_run=dry_run,
            source=request.describe(),
        )


def ideas(engine: Engine) -> dict[str, Idea]:
    with session_factory(engine)() as session:
        return {idea.pb_project_id or "": idea for idea in session.scalars(select(Idea))}


def results(report: ImportReport) -> dict[str, str]:
    return {item.project_id: item.result for item in report.items}


def test_a_first_import_creates_drafts_from_the_winners(
    engine: Engine, blobs: MemoryBlobStore, decidim: DecidimServer
) -> None:
    report = run(engine, blobs, decidim)
    assert report.counts() == {"created": 4, "updated": 0, "unchanged": 0, "skipped": 4}
    assert results(report)["105"] == "skipped"
    made = ideas(engine)
    gym = made["101"]
    assert gym.status is IdeaStatus.DRAFT
    assert gym.slug == "ulkokuntosali-kontulaan"
    assert gym.title["sv"] == "Utegym till Gårdsbacka"
    assert gym.description["fi"] == "Kontulan puistoon ulkokuntosali.\n\nKolme asemaa."
    assert gym.pb_platform == "decidim"
    assert gym.pb_budget_cents == 85_000_00
    assert gym.pb_selected is True
    assert gym.pb_url == f"{decidim.url}/processes/7/f/10/budgets/1/projects/101"
    assert gym.district == {"fi": "Itäinen", "sv": "Östra", "en": "Itäinen"}
    assert gym.stage is IdeaStage.BUILDING
    assert (gym.template_id, gym.template_version) == ("outdoor-gym", 1)
    assert gym.params["stations"] == 4  # the template's default, the values complete
    assert "bar_height" in gym.params
    assert gym.site is not None
    assert gym.site["position"]["lat"] == pytest.approx(60.2355)
    assert made["103"].stage is IdeaStage.BUILT
    assert made["103"].template_id == "playground"
    assert "sv" not in made["103"].title  # Decidim has no Swedish title for it
    assert made["104"].template_id is None  # a reading circle: no rule, no model
    assert [item.slug for item in report.unmapped()] == ["lukupiiri-kirjastoon"]


def test_every_created_idea_is_audited_with_the_run(
    engine: Engine, blobs: MemoryBlobStore, decidim: DecidimServer
) -> None:
    run(engine, blobs, decidim)
    with session_factory(engine)() as session:
        entries = repo.list_audit(session, action="idea.pb_import")
        run_entry = repo.list_audit(session, action="import.run")[0]
    assert sorted(entry.target_id or "" for entry in entries) == [
        "koripallokentta-vuosaareen",
        "leikkipaikka-kaivopuistoon",
        "lukupiiri-kirjastoon",
        "ulkokuntosali-kontulaan",
    ]
    assert run_entry.details["counts"]["created"] == 4


def test_importing_again_changes_nothing(
    engine: Engine, blobs: MemoryBlobStore, decidim: DecidimServer
) -> None:
    run(engine, blobs, decidim)
    again = run(engine, blobs, decidim)
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": 4, "skipped": 4}
    assert len(ideas(engine)) == 4


def _planner_edits(engine: Engine) -> None:
    with session_factory(engine, write=True).begin() as session:
        gym = repo.get_idea_by_slug(session, "ulkokuntosali-kontulaan")
        assert gym is not None
        gym.title = {**gym.title, "fi": "Kontulan ulkokuntosali"}
        gym.params = {**gym.params, "stations": 6}
        gym.site = {"position": {"lat": 60.0, "lon": 25.0, "h": 0.0}, "angles": {"yaw": 0.0}}
        gym.status = IdeaStatus.PUBLISHED


def test_a_reimport_after_edits_on_both_sides_follows_the_ownership_rules(
    engine: Engine, blobs: MemoryBlobStore, decidim: DecidimServer
) -> None:
    run(engine, blobs, decidim)
    _planner_edits(engine)
    gym = decidim.project("101")
    gym["budget_amount"] = 90_000
    gym["title"] = {**gym["title"], "en": "Outdoor gym in Kontula"}
    decidim.project("103")["title"]["sv"] = "Lekplats i Brunnsparken"  # a new translation

    report = run(engine, blobs, decidim)

    items = {item.project_id: item for item in report.items}
    assert items["101"].result == "updated"
    assert sorted(items["101"].changes) == ["pb_budget_cents", "title.en"]
    assert items["101"].kept == ["title.fi"]
    assert "kept the planner's edit of title.fi" in (items["101"].reason_text("en") or "")
    assert items["103"].changes == ["title.sv"]
    made = ideas(engine)
    assert made["101"].title == {
        "fi": "Kontulan ulkokuntosali",  # the planner's, Decidim did not change it
        "sv": "Utegym till Gårdsbacka",
        "en": "Outdoor gym in Kontula",
    }
    assert made["101"].pb_budget_cents == 90_000_00
    assert made["101"].params["stations"] == 6  # never overwritten
    assert made["101"].site["position"]["lat"] == 60.0  # type: ignore[index]
    assert made["101"].status is IdeaStatus.PUBLISHED  # never changed by an import
    assert made["103"].title["sv"] == "Lekplats i Brunnsparken"


def test_the_source_wins_once_it_changes_a_field_the_planner_edited(
    engine: Engine, blobs: MemoryBlobStore, decidim: DecidimServer
) -> None:
    run(engine, blobs, decidim)
    _planner_edits(engine)
    decidim.project("101")["title"]["fi"] = "Ulkokuntosali Kontulan puistoon"
    report = run(engine, blobs, decidim)
    assert "title.fi" in {item.project_id: item for item in report.items}["101"].changes
    assert ideas(engine)["101"].title["fi"] == "Ulkokuntosali Kontulan puistoon"


def test_a_dry_run_reports_the_same_and_writes_nothing(
    engine: Engine, blobs: MemoryBlobStore, decidim: DecidimServer
) -> None:
    dry = run(engine, blobs, decidim, dry_run=True)
    assert dry.counts()["created"] == 4
    assert ideas(engine) == {}
    with session_factory(engine)() as session:
        assert repo.list_audit(session, action="import.run") == []
    real = run(engine, blobs, decidim)
    assert [(i.slug, i.result) for i in real.items] == [(i.slug, i.result) for i in dry.items]


def test_an_archived_idea_is_skipped(
    engine: Engine, blobs: MemoryBlobStore, decidim: DecidimServer
) -> None:
    run(engine, blobs, decidim)
    with session_factory(engine, write=True).begin() as session:
        idea = repo.get_idea_by_slug(session, "ulkokuntosali-kontulaan")
        idea.status = IdeaStatus.ARCHIVED  # type: ignore[union-attr]
    decidim.project("101")["budget_amount"] = 1
    item = next(i for i in run(engine, blobs, decidim).items if i.project_id == "101")
    assert item.result == "skipped"
    assert "archived" in (item.reason_text("en") or "")
    assert ideas(engine)["101"].pb_budget_cents == 85_000_00


def test_losers_are_imported_without_winners_only(
    engine: Engine, blobs: MemoryBlobStore, decidim: DecidimServer
) -> None:
    report = run(engine, blobs, decidim, winners_only=False)
    assert report.counts()["created"] == 8
    assert ideas(engine)["105"].pb_selected is False


@pytest.mark.parametrize("fault", ["429", "500", "html", "graphql-error"])
def test_a_source_failing_half_way_imports_nothing(
    engine: Engine, blobs: MemoryBlobStore, decidim: DecidimServer, fault: str
) -> None:
    decidim.faults = ["", "", "", "", *[fault] * 5]  # fails at the projects of the 2nd budget
    with pytest.raises(SourceError):
        run(engine, blobs, decidim)
    assert ideas(engine) == {}


def test_a_rule_naming_a_missing_template_stops_the_import(
    session: Session, blobs: MemoryBlobStore
) -> None:
    rules = parse_rules(
        "format: arservice/import-rules@1\nrules:\n  - {keywords: x, template: fountain}\n"
    )
    with pytest.raises(InputError, match=r"rules\[0\]\.template: there is no template 'fountain'"):
        import_projects(session, blobs, [], rules, actor_id=None)


def test_rules_with_values_the_template_refuses_are_not_saved(
    session: Session, blobs: MemoryBlobStore
) -> None:
    source = (
        "format: arservice/import-rules@1\n"
        "rules:\n  - {keywords: gym, template: outdoor-gym, params: {stations: 99}}\n"
    )
    with pytest.raises(ParameterError) as caught:
        save_rules(session, blobs, source, actor_id=None)
    assert caught.value.items[0].loc == "rules[0].params.stations"
    assert load_rules(session, blobs).default is True


def test_saved_rules_are_read_back_as_written(session: Session, blobs: MemoryBlobStore) -> None:
    source = "# ours\nformat: arservice/import-rules@1\n"
    source += "rules:\n  - {scope: Itäinen, template: dog-park}\n"
    save_rules(session, blobs, source, actor_id=None)
    loaded = load_rules(session, blobs)
    assert (loaded.source, loaded.default, loaded.rules[0].scope) == (source, False, ("itäinen",))
    count = session.scalar(select(func.count()).select_from(Idea))
    assert count == 0


def _csv_projects() -> list[Any]:
    from arservice.pb.csv_source import read_projects_csv

    return read_projects_csv(
        b"project_id,title_fi,title_sv,budget_eur,selected\n"
        b"k-1,Koripallokentta Malmille,Basketplan,120000,yes\n"
        b"k-2,Runopiiri,,500,no\n"
    )


def test_a_csv_import_creates_drafts_and_is_idempotent(
    session: Session, blobs: MemoryBlobStore
) -> None:
    first = import_projects(session, blobs, _csv_projects(), RULES, actor_id=None)
    assert first.counts() == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0}
    court = repo.get_idea_by_slug(session, "koripallokentta-malmille")
    assert court is not None
    assert (court.pb_platform, court.template_id, court.pb_budget_cents) == (
        "csv",
        "ball-court",
        120_000_00,
    )
    again = import_projects(session, blobs, _csv_projects(), RULES, actor_id=None)
    assert again.counts()["unchanged"] == 2
