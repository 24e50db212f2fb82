"""Ideas as a service: input rules, slugs, the GeoPose site, templates, building, audit."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import pytest
from sqlalchemy.orm import Session

from arservice import __version__
from arservice.errors import (
    ArServiceError,
    AssetError,
    BuildError,
    ConflictError,
    InputError,
    ParameterError,
)
from arservice.gltf import export_glb, inspect_glb
from arservice.parametric.scene import Instance, Material
from arservice.services import geopose, idea_artifacts, ideas
from arservice.services.artifacts import ArtifactBuilder, artifact_hash, canonical_params
from arservice.services.geopose import SiteIn, check_site, heading_to_yaw, yaw_to_heading
from arservice.services.idea_input import IdeaCreate, IdeaUpdate
from arservice.store import repositories as repo
from arservice.store.blobs import MemoryBlobStore
from arservice.store.builtin import builtin_template
from arservice.store.models import ArtifactKind, IdeaStatus
from tests.support.scenes import box_mesh, make_scene, translate

GYM = {"id": "outdoor-gym", "params": {"stations": 5}}


def create(session: Session, blobs: MemoryBlobStore, **fields: Any) -> Any:
    data = {"title": {"fi": "Käpylän ulkokuntosali"}, **fields}
    return ideas.create_idea(session, blobs, IdeaCreate.model_validate(data), actor_id=None)


def locs(error: pytest.ExceptionInfo[ArServiceError]) -> list[str]:
    return [item.loc for item in error.value.items]


# --- GeoPose -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "yaw"),
    [(0.0, 90.0), (90.0, 0.0), (135.0, -45.0), (180.0, -90.0), (270.0, 180.0), (315.0, 135.0)],
)
def test_a_heading_is_a_basic_ypr_yaw_counter_clockwise_from_east(
    heading: float, yaw: float
) -> None:
    assert heading_to_yaw(heading) == pytest.approx(yaw)
    assert yaw_to_heading(heading_to_yaw(heading)) == pytest.approx(heading)


def test_a_site_is_kept_as_geopose_and_read_back_as_given() -> None:
    site = check_site(SiteIn(latitude=60.2155, longitude=24.9536, heading=12.3))
    pose = geopose.site_geopose(site)
    assert pose == {
        "position": {"lat": 60.2155, "lon": 24.9536, "h": 0.0},
        "angles": {"yaw": pytest.approx(77.7), "pitch": 0.0, "roll": 0.0},
    }
    back = geopose.stored_site(pose, None)
    assert back is not None
    assert (back.latitude, back.longitude, back.heading) == (60.2155, 24.9536, 12.3)


def test_heading_360_is_north() -> None:
    assert check_site(SiteIn(latitude=0.0, longitude=0.0, heading=360.0)).heading == 0.0


@pytest.mark.parametrize(
    ("site", "loc"),
    [
        ({"latitude": 90.5, "longitude": 0.0}, "site.latitude"),
        ({"latitude": 0.0, "longitude": -180.01}, "site.longitude"),
        ({"latitude": 0.0, "longitude": 0.0, "heading": 360.5}, "site.heading"),
        ({"latitude": 0.0, "longitude": 0.0, "heading": -0.5}, "site.heading"),
        ({"latitude": float("nan"), "longitude": 0.0}, "site.latitude"),
        (
            {"latitude": 0.0, "longitude": 0.0, "footprint": [[0, 0], [200, 0], [0, 1]]},
            "site.footprint[1][0]",
        ),
    ],
)
def test_a_site_out_of_range_names_the_value(site: dict[str, Any], loc: str) -> None:
    with pytest.raises(InputError) as caught:
        check_site(SiteIn.model_validate(site))
    assert locs(caught) == [loc]


@pytest.mark.parametrize(
    ("footprint", "msgid"),
    [
        ([[0, 0], [0.001, 0.001], [0.001, 0], [0, 0.001]], geopose.MSG_FOOTPRINT_CROSSES),
        ([[0, 0], [0.001, 0], [0.001, 0.001], [0, 0.001], [0.0005, -0.001]], None),
        ([[0, 0], [0.001, 0], [0.002, 0]], geopose.MSG_FOOTPRINT_EMPTY),
        ([[0, 0], [0.001, 0], [0, 0]], geopose.MSG_FOOTPRINT_FEW),
        ([[0, 0], [0.001, 0], [0.001, 0.001], [0, 0.001], [0.001, 0]], None),
    ],
)
def test_a_footprint_must_be_a_simple_polygon(
    footprint: list[list[float]], msgid: str | None
) -> None:
    with pytest.raises(InputError) as caught:
        check_site(SiteIn.model_validate({"latitude": 0, "longitude": 0, "footprint": footprint}))
    assert locs(caught) == ["site.footprint"]
    if msgid is not None:
        assert caught.value.items[0].msgid == msgid


def test_a_footprint_may_be_closed_and_has_at_most_200_points() -> None:
    square = [(0.0, 0.0), (0.001, 0.0), (0.001, 0.001), (0.0, 0.001)]
    closed = check_site(SiteIn(latitude=0.0, longitude=0.0, footprint=[*square, square[0]]))
    assert closed.footprint == square
    assert geopose.footprint_geojson(closed) == {
        "type": "Polygon",
        "coordinates": [[list(point) for point in [*square, square[0]]]],
    }
    circle = [
        (math.cos(k / 201 * 2 * math.pi), math.sin(k / 201 * 2 * math.pi)) for k in range(201)
    ]
    with pytest.raises(InputError) as caught:
        check_site(SiteIn(latitude=0.0, longitude=0.0, footprint=circle))
    assert caught.value.items[0].msgid == geopose.MSG_FOOTPRINT_MANY
    assert check_site(SiteIn(latitude=0.0, longitude=0.0, footprint=circle[:200])).footprint


# --- create ------------------------------------------------------------------------------------


def test_a_new_idea_is_a_draft_with_a_slug_from_its_finnish_title(
    session: Session, blobs: MemoryBlobStore
) -> None:
    idea = create(
        session,
        blobs,
        title={"sv": "Utegym i Kottby", "fi": " Käpylän ulkokuntosali ", "en": "Käpylä gym"},
        pb={"platform": "decidim", "url": "https://omastadi.hel.fi/p/1", "budget_eur": 150000.5},
        site={"latitude": 60.2155, "longitude": 24.9536, "heading": 135.0},
        template=GYM,
    )
    assert idea.slug == "kapylan-ulkokuntosali"
    assert idea.status is IdeaStatus.DRAFT
    assert idea.title["fi"] == "Käpylän ulkokuntosali"
    assert idea.pb_budget_cents == 15_000_050
    assert idea.site == {
        "position": {"lat": 60.2155, "lon": 24.9536, "h": 0.0},
        "angles": {"yaw": -45.0, "pitch": 0.0, "roll": 0.0},
    }
    gym = builtin_template("outdoor-gym")
    assert (idea.template_id, idea.template_version) == ("outdoor-gym", gym.version)
    assert dict(idea.params) == canonical_params(gym, {"stations": 5})
    assert idea.glb_sha256 is None
    assert create(session, blobs).slug == "kapylan-ulkokuntosali-2"
    assert create(session, blobs, title={"sv": "Utegym i Kottby"}).slug == "utegym-i-kottby"


def test_a_taken_slug_is_a_conflict_and_a_bad_one_is_refused(
    session: Session, blobs: MemoryBlobStore
) -> None:
    create(session, blobs, slug="gym")
    with pytest.raises(ConflictError) as caught:
        create(session, blobs, slug="gym")
    assert locs(caught) == ["slug"]
    assert caught.value.items[0].params == {"slug": "gym"}
    with pytest.raises(InputError) as bad:
        create(session, blobs, slug="Gym_1")
    assert locs(bad) == ["slug"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": {}}, ["title"]),
        ({"title": {"de": "Fitnesspark"}}, ["title.de"]),
        ({"title": {"fi": "   "}}, ["title.fi"]),
        ({"title": {"fi": "x" * 201}}, ["title.fi"]),
        ({"summary": {"en": "a\x00b"}}, ["summary.en"]),
        ({"pb": {"url": "ftp://omastadi.hel.fi/"}}, ["pb.url"]),
        ({"pb": {"platform": "Decidim!"}}, ["pb.platform"]),
        ({"pb": {"budget_eur": 10.005}}, ["pb.budget_eur"]),
        ({"pb": {"budget_eur": -1}}, ["pb.budget_eur"]),
        ({"pb": {"budget_eur": 25_000_000}}, ["pb.budget_eur"]),
        (
            {"title": {"xx": "a"}, "site": {"latitude": 100.0, "longitude": 0.0}},
            ["title.xx", "site.latitude"],
        ),
    ],
)
def test_every_bad_field_is_named(
    session: Session, blobs: MemoryBlobStore, fields: dict[str, Any], expected: list[str]
) -> None:
    with pytest.raises(InputError) as caught:
        create(session, blobs, **fields)
    assert locs(caught) == expected


def test_budget_in_cents(session: Session, blobs: MemoryBlobStore) -> None:
    assert create(session, blobs, pb={"budget_eur": 19.99}).pb_budget_cents == 1999
    assert create(session, blobs, pb={"budget_eur": 0}).pb_budget_cents == 0


def test_an_unknown_template_or_version_is_refused_at_its_field(
    session: Session, blobs: MemoryBlobStore
) -> None:
    with pytest.raises(InputError) as unknown:
        create(session, blobs, template={"id": "outdoor-gymm"})
    assert locs(unknown) == ["template.id"]
    with pytest.raises(InputError) as version:
        create(session, blobs, template={"id": "outdoor-gym", "version": 99})
    assert locs(version) == ["template.version"]


def test_parameter_values_are_checked_against_the_template(
    session: Session, blobs: MemoryBlobStore
) -> None:
    with pytest.raises(ParameterError) as caught:
        create(
            session, blobs, template={"id": "outdoor-gym", "params": {"stations": 11, "colour": 1}}
        )
    assert sorted(locs(caught)) == ["template.params.colour", "template.params.stations"]


# --- edit, publish, archive --------------------------------------------------------------------


def test_the_slug_stays_when_the_title_changes(session: Session, blobs: MemoryBlobStore) -> None:
    idea = create(session, blobs, template=GYM)
    change = IdeaUpdate(title={"fi": "Taivaskallion ulkokuntosali"})
    outcome = ideas.update_idea(session, blobs, ArtifactBuilder(), idea.slug, change, actor_id=None)
    assert outcome.idea.slug == "kapylan-ulkokuntosali"
    assert outcome.idea.title == {"fi": "Taivaskallion ulkokuntosali"}
    assert outcome.artifacts is None
    entry = repo.list_audit(session, action="idea.update")[0]
    assert entry.details["changes"]["title"] == {
        "from": {"fi": "Käpylän ulkokuntosali"},
        "to": {"fi": "Taivaskallion ulkokuntosali"},
    }


def test_the_model_cannot_be_removed(session: Session, blobs: MemoryBlobStore) -> None:
    idea = create(session, blobs, template=GYM)
    with pytest.raises(InputError) as caught:
        ideas.update_idea(
            session, blobs, ArtifactBuilder(), idea.slug, IdeaUpdate(template=None), actor_id=None
        )
    assert locs(caught) == ["template"]


def test_publishing_builds_once_and_records_the_artifact(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder
) -> None:
    first = create(session, blobs, template=GYM)
    second = create(session, blobs, template=GYM)
    one = ideas.publish_idea(session, blobs, builder, first.slug, actor_id=None)
    two = ideas.publish_idea(session, blobs, builder, second.slug, actor_id=None)
    assert one.artifacts is not None
    assert two.artifacts is not None
    assert (one.artifacts.built, two.artifacts.built) == (True, False)
    assert [ref.built for ref in one.artifacts.refs] == [True, True, True]
    assert [ref.built for ref in two.artifacts.refs] == [False, False, False]
    gym = builtin_template("outdoor-gym")
    expected = artifact_hash(gym.id, gym.version, canonical_params(gym, {"stations": 5}))
    for idea in (first, second):
        assert idea.glb_sha256 == idea.usdz_sha256 == idea.png_sha256 == expected
    assert first.status is IdeaStatus.PUBLISHED
    assert first.published_at is not None
    for kind in ArtifactKind:
        artifact = repo.get_artifact(session, expected, kind)
        assert artifact is not None
        assert artifact.blob_key == f"artifacts/{expected}.{kind.value}"
        assert artifact.size == len(blobs.get(artifact.blob_key))
        assert artifact.source["template"] == "outdoor-gym"
        assert artifact.source["params"]["stations"] == 5
    glb = repo.get_artifact(session, expected, ArtifactKind.GLB)
    assert glb is not None
    assert inspect_glb(blobs.get(glb.blob_key)).triangles > 0
    entry = repo.list_audit(session, action="idea.publish", target_id=first.slug)[0]
    assert entry.details == {
        "from": "draft",
        "glb": expected,
        "usdz": expected,
        "png": expected,
        "built": ["glb", "usdz", "png"],
    }


def test_publishing_again_changes_nothing(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder
) -> None:
    idea = create(session, blobs, template=GYM)
    ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
    published_at = idea.published_at
    again = ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
    assert again.idea.published_at == published_at
    assert len(repo.list_audit(session, action="idea.publish")) == 1


def test_an_idea_without_a_model_cannot_be_published(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder
) -> None:
    idea = create(session, blobs)
    with pytest.raises(ConflictError) as caught:
        ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
    assert caught.value.items[0].msgid == idea_artifacts.MSG_NO_MODEL
    assert idea.status is IdeaStatus.DRAFT


def test_a_failing_build_raises_before_the_idea_changes(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder
) -> None:
    idea = create(
        session, blobs, template={"id": "outdoor-gym", "params": {"layout": "ring", "stations": 3}}
    )
    with pytest.raises(BuildError):
        ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
    assert idea.status is IdeaStatus.DRAFT
    assert (idea.glb_sha256, idea.usdz_sha256, idea.png_sha256) == (None, None, None)
    assert not repo.list_audit(session, action="idea.publish")


def test_editing_a_published_model_rebuilds_it(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder
) -> None:
    idea = create(session, blobs, template=GYM)
    ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
    old = idea.glb_sha256
    change = IdeaUpdate.model_validate(
        {"template": {"id": "outdoor-gym", "params": {"stations": 6}}}
    )
    outcome = ideas.update_idea(session, blobs, builder, idea.slug, change, actor_id=None)
    assert outcome.artifacts is not None
    assert [ref.built for ref in outcome.artifacts.refs] == [True, True, True]
    assert idea.status is IdeaStatus.PUBLISHED
    new = outcome.artifacts.sha256
    assert idea.glb_sha256 == idea.usdz_sha256 == idea.png_sha256 == new != old
    assert all(repo.get_artifact(session, new, kind) is not None for kind in ArtifactKind)
    assert idea.params["stations"] == 6


def test_archiving_takes_an_idea_out_of_public_view(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder
) -> None:
    idea = create(session, blobs, template=GYM)
    ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
    ideas.archive_idea(session, idea.slug, actor_id=None)
    assert idea.status is IdeaStatus.ARCHIVED
    assert ideas.list_ideas(session, staff=False, status=None) == []
    assert ideas.list_ideas(session, staff=True, status=IdeaStatus.ARCHIVED) == [idea]
    actions = [entry.action for entry in repo.list_audit(session, target_id=idea.slug)]
    assert actions == ["idea.archive", "idea.publish", "idea.create"]


# --- an uploaded model -------------------------------------------------------------------------


def off_centre_glb() -> bytes:
    """A 2 m box whose centre is 5 m off the origin and 3 m above the ground."""
    scene = make_scene(
        [Instance("box", box_mesh((2.0, 2.0, 2.0)), "m", translate(5, 3, 0))], [Material("m")]
    )
    return export_glb(scene)


def test_an_uploaded_model_replaces_the_template_and_is_placed_by_the_contract(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder, gltf_validator: Any
) -> None:
    idea = create(session, blobs, template=GYM)
    data = off_centre_glb()
    outcome = ideas.upload_model(session, blobs, builder, idea.slug, data, actor_id=None)
    assert outcome.artifacts is not None
    assert [ref.built for ref in outcome.artifacts.refs] == [True, True, True]
    assert idea.template_id is None
    assert dict(idea.params) == {}
    assert idea.uploaded_glb_key is not None
    assert blobs.get(idea.uploaded_glb_key) == data
    built = blobs.get(outcome.artifacts.glb.key)
    stats = inspect_glb(built)
    assert stats.bounds_min[1] == pytest.approx(0.0, abs=1e-5)
    assert stats.bounds_min[0] == pytest.approx(-stats.bounds_max[0], abs=1e-5)
    gltf_validator.check([built])
    upload_sha = hashlib.sha256(data).hexdigest()
    assert idea.uploaded_glb_key == f"uploads/{upload_sha}.glb"
    sha256 = idea_artifacts.upload_artifact_hash(upload_sha)
    assert outcome.artifacts.sha256 == sha256
    assert idea.glb_sha256 == idea.usdz_sha256 == idea.png_sha256 == sha256
    for kind in ArtifactKind:
        artifact = repo.get_artifact(session, sha256, kind)
        assert artifact is not None
        assert artifact.source == {"generator": __version__, "upload": upload_sha}
    entry = repo.list_audit(session, action="idea.model_upload")[0]
    assert entry.details["sha256"] == upload_sha
    assert entry.details["built"] == ["glb", "usdz", "png"]
    assert entry.details["replaced"]["id"] == "outdoor-gym"
    published = ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
    assert published.artifacts is not None
    assert not published.artifacts.built
    assert idea.glb_sha256 == idea.usdz_sha256 == idea.png_sha256 == sha256


def test_an_upload_that_is_not_a_glb_is_refused_at_the_file(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder
) -> None:
    idea = create(session, blobs, template=GYM)
    with pytest.raises(AssetError) as caught:
        ideas.upload_model(session, blobs, builder, idea.slug, b"not a model", actor_id=None)
    assert all(loc.startswith("file") for loc in locs(caught))
    assert idea.template_id == "outdoor-gym"
