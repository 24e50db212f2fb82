"""An idea's stage (winner, building, built) and district (a name per language): checked like the
other fields, kept, changed by an edit, audited; the demo ideas have them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from arservice.errors import InputError
from arservice.services import demo, ideas
from arservice.services.artifacts import ArtifactBuilder
from arservice.services.idea_input import MAX_DISTRICT_CHARS, IdeaCreate, IdeaUpdate
from arservice.store import repositories as repo
from arservice.store.blobs import MemoryBlobStore
from arservice.store.models import IdeaStage

EASTERN = {"fi": "Itäinen", "sv": "Östra", "en": "Eastern"}


def create(session: Session, blobs: MemoryBlobStore, **fields: Any) -> Any:
    data = {"title": {"fi": "Myllypuron koripallokenttä"}, **fields}
    return ideas.create_idea(session, blobs, IdeaCreate.model_validate(data), actor_id=None)


def edit(
    session: Session,
    blobs: MemoryBlobStore,
    builder: ArtifactBuilder,
    slug: str,
    **fields: Any,
) -> Any:
    data = IdeaUpdate.model_validate(fields)
    return ideas.update_idea(session, blobs, builder, slug, data, actor_id=None).idea


def test_a_new_idea_is_a_winner_in_no_district(session: Session, blobs: MemoryBlobStore) -> None:
    idea = create(session, blobs)
    assert idea.stage is IdeaStage.WINNER
    assert dict(idea.district) == {}


def test_stage_and_district_are_kept_as_given(session: Session, blobs: MemoryBlobStore) -> None:
    idea = create(session, blobs, stage="building", district={**EASTERN, "fi": "  Itäinen "})
    session.flush()
    session.expire_all()
    stored = repo.get_idea_by_slug(session, idea.slug)
    assert stored is not None
    assert stored.stage is IdeaStage.BUILDING
    assert dict(stored.district) == EASTERN  # trimmed, like every text
    created = repo.list_audit(session, action="idea.create")[0].details
    assert created["stage"] == "building"
    assert created["district"] == EASTERN


@pytest.mark.parametrize("stage", ["finished", "Built", "", " built"])
def test_an_unknown_stage_is_refused_with_the_choices(
    session: Session, blobs: MemoryBlobStore, stage: str
) -> None:
    with pytest.raises(InputError) as error:
        create(session, blobs, stage=stage)
    [item] = error.value.items
    assert item.loc == "stage"
    assert "winner" in item.message("en")
    assert "building" in item.message("en")
    assert f"'{stage}'" in item.message("en")


@pytest.mark.parametrize(
    ("district", "loc"),
    [
        ({"de": "Osten"}, "district.de"),
        ({"fi": "   "}, "district.fi"),
        ({"sv": "Ö" * (MAX_DISTRICT_CHARS + 1)}, "district.sv"),
        ({"en": "East\x00ern"}, "district.en"),
    ],
)
def test_a_bad_district_name_is_refused_at_its_place(
    session: Session, blobs: MemoryBlobStore, district: dict[str, str], loc: str
) -> None:
    with pytest.raises(InputError) as error:
        create(session, blobs, district=district)
    assert [item.loc for item in error.value.items] == [loc]


def test_every_problem_is_reported_at_once(session: Session, blobs: MemoryBlobStore) -> None:
    with pytest.raises(InputError) as error:
        create(session, blobs, title={}, stage="done", district={"xx": "?"})
    assert [item.loc for item in error.value.items] == ["title", "stage", "district.xx"]


def test_an_edit_changes_the_stage_and_the_district_and_says_so_in_the_audit(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder
) -> None:
    slug = create(session, blobs).slug
    idea = edit(session, blobs, builder, slug, stage="built", district=EASTERN)
    assert idea.stage is IdeaStage.BUILT
    assert dict(idea.district) == EASTERN
    changes = repo.list_audit(session, action="idea.update")[0].details["changes"]
    assert changes["stage"] == {"from": "winner", "to": "built"}
    assert changes["district"] == {"from": {}, "to": EASTERN}
    idea = edit(session, blobs, builder, slug, district={})  # an empty map: no district
    assert dict(idea.district) == {}
    assert idea.stage is IdeaStage.BUILT  # not given: unchanged


@pytest.mark.parametrize("stage", [None, "demolished"])
def test_an_edit_cannot_remove_the_stage_or_set_an_unknown_one(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder, stage: str | None
) -> None:
    slug = create(session, blobs, stage="building").slug
    with pytest.raises(InputError) as error:
        edit(session, blobs, builder, slug, stage=stage)
    assert [item.loc for item in error.value.items] == ["stage"]
    assert repo.get_idea_by_slug(session, slug).stage is IdeaStage.BUILDING  # type: ignore[union-attr]


def test_the_demo_ideas_have_a_realistic_stage_and_a_district_in_three_languages() -> None:
    entries = demo.load_demo_ideas()
    stages = {entry.stage for entry in entries}
    assert stages == {"winner", "building", "built"}
    for entry in entries:
        assert set(entry.district) == {"fi", "sv", "en"}
    districts = [entry.district["fi"] for entry in entries]
    assert len(set(districts)) < len(districts)  # two ideas share one: the filter groups them


def test_demo_ideas_seeded_before_stages_existed_get_theirs_once(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder
) -> None:
    seeded = demo.seed_demo_ideas(session, blobs, builder)
    for slug in seeded:  # as a database seeded before schema 0002 has them
        idea = repo.get_idea_by_slug(session, slug)
        assert idea is not None
        idea.stage, idea.district = IdeaStage.WINNER, {}
    session.flush()
    for audit in repo.list_audit(session, action=demo.DETAILS_ACTION):
        session.delete(audit)
    edited = edit(session, blobs, builder, seeded[0], district={"fi": "Oma alue"})
    assert demo.seed_demo_ideas(session, blobs, builder) == []  # not new: details filled instead
    wanted = {entry.slug: entry for entry in demo.load_demo_ideas()}
    for slug in seeded[1:]:
        idea = repo.get_idea_by_slug(session, slug)
        assert idea is not None
        assert idea.stage.value == wanted[slug].stage
        assert dict(idea.district) == wanted[slug].district
    assert dict(edited.district) == {"fi": "Oma alue"}  # a city's own edit stays
    before = len(repo.list_audit(session, action="idea.update"))
    assert demo.fill_demo_details(session, blobs, builder) == []  # once only
    assert len(repo.list_audit(session, action="idea.update")) == before
