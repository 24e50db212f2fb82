"""Campaigns: a code per idea, the ideas' checks, add/remove, updates, and the audit log."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from arservice.errors import ConflictError, InputError, NotFoundError
from arservice.services import campaigns
from arservice.services.artifacts import artifact_key
from arservice.services.campaign_input import CampaignCreate, CampaignIdeas, CampaignUpdate
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore, MemoryBlobStore
from arservice.store.models import ArtifactKind, Campaign, Idea, IdeaStatus

TITLES = {"fi": "Käpylän ulkokuntosali", "sv": "Utegym i Kottby", "en": "Käpylä outdoor gym"}


def preview_png() -> bytes:
    image = Image.new("RGB", (256, 256), (236, 236, 232))
    ImageDraw.Draw(image).rectangle((60, 100, 200, 220), fill=(40, 44, 52))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def published_idea(
    session: Session,
    blobs: BlobStore,
    slug: str,
    *,
    title: dict[str, str] | None = None,
    status: IdeaStatus = IdeaStatus.PUBLISHED,
    preview: bool = True,
) -> Idea:
    """An idea row as publishing leaves it, with a recorded preview PNG in the blob store."""
    png_sha = None
    if preview:
        data = preview_png()
        png_sha = hashlib.sha256(data + slug.encode()).hexdigest()
        key = artifact_key(png_sha, "png")
        blobs.put(key, data)
        repo.record_artifact(
            session, sha256=png_sha, kind=ArtifactKind.PNG, blob_key=key, size=len(data)
        )
    idea = Idea(
        slug=slug,
        status=status,
        title=dict(title or TITLES),
        summary={"fi": "Neljä kuntoiluasemaa.", "sv": "Fyra stationer.", "en": "Four stations."},
        png_sha256=png_sha,
    )
    return repo.add_idea(session, idea)


def create(session: Session, ideas: list[str], **fields: object) -> Campaign:
    data = CampaignCreate.model_validate(
        {"name": {"fi": "OmaStadi 2025 Itä"}, "ideas": ideas, **fields}
    )
    return campaigns.create_campaign(session, data, actor_id=None)


def locs(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [item.loc for item in error.value.items]


def test_each_idea_gets_its_own_new_code_targeting_it(
    session: Session, blobs: MemoryBlobStore
) -> None:
    one, two = published_idea(session, blobs, "one"), published_idea(session, blobs, "two")
    campaign = create(session, ["one", "two"], languages=["sv", "fi"], poster_size="a3")
    entries = campaign.entries
    assert [e.idea.slug for e in entries] == ["one", "two"]
    assert [e.position for e in entries] == [0, 1]
    assert entries[0].code.code != entries[1].code.code
    assert [e.code.target_idea_id for e in entries] == [one.id, two.id]
    assert campaign.languages == ["sv", "fi"]
    assert campaign.poster_size == "a3"
    entry = repo.list_audit(session, action="campaign.create")[0]
    assert entry.target_id == campaign.slug
    assert [i["idea"] for i in entry.details["ideas"]] == ["one", "two"]


def test_a_campaign_of_no_ideas_is_refused(session: Session) -> None:
    with pytest.raises(InputError) as error:
        create(session, [])
    assert locs(error) == ["ideas"]


def test_unknown_draft_and_previewless_ideas_are_refused_each_at_its_place(
    session: Session, blobs: MemoryBlobStore
) -> None:
    published_idea(session, blobs, "ok")
    published_idea(session, blobs, "draft", status=IdeaStatus.DRAFT)
    published_idea(session, blobs, "no-png", preview=False)
    with pytest.raises(InputError) as error:
        create(session, ["ok", "nope", "draft", "no-png", "ok"])
    messages = {item.loc: item.message("en") for item in error.value.items}
    assert messages == {
        "ideas[1]": "there is no idea 'nope'",
        "ideas[2]": "the idea 'draft' is not published: publish it first, so the code leads to "
        "its page",
        "ideas[3]": "the idea 'no-png' has no preview picture for the poster: publish it again "
        "to render one",
        "ideas[4]": "the idea 'ok' is listed twice",
    }
    assert repo.list_campaigns(session) == []


def test_bad_languages_size_and_name_are_reported_together(
    session: Session, blobs: MemoryBlobStore
) -> None:
    published_idea(session, blobs, "one")
    data = CampaignCreate.model_validate(
        {
            "name": {"de": "X", "fi": " "},
            "languages": ["fi", "de", "fi"],
            "poster_size": "a5",
            "ideas": ["one"],
        }
    )
    with pytest.raises(InputError) as error:
        campaigns.create_campaign(session, data, actor_id=None)
    assert sorted(locs(error)) == [
        "languages[1]",
        "languages[2]",
        "name.de",
        "name.fi",
        "poster_size",
    ]
    messages = {item.loc: item.message("en") for item in error.value.items}
    assert messages["languages[1]"] == "'de' is not a language of the service; use fi, sv or en"
    assert messages["languages[2]"] == "the language fi is chosen twice"
    assert messages["poster_size"] == "the poster size must be a4 or a3 (got 'a5')"


def test_no_languages_is_refused(session: Session, blobs: MemoryBlobStore) -> None:
    published_idea(session, blobs, "one")
    with pytest.raises(InputError) as error:
        create(session, ["one"], languages=[])
    assert locs(error) == ["languages"]


def test_an_idea_without_a_title_in_a_poster_language_is_refused(
    session: Session, blobs: MemoryBlobStore
) -> None:
    published_idea(session, blobs, "fi-only", title={"fi": "Vain suomeksi"})
    with pytest.raises(InputError) as error:
        create(session, ["fi-only"], languages=["fi", "sv"])
    assert error.value.items[0].params == {"slug": "fi-only", "language": "sv"}


def test_a_second_campaign_with_the_same_name_is_a_conflict(
    session: Session, blobs: MemoryBlobStore
) -> None:
    published_idea(session, blobs, "one")
    create(session, ["one"])
    with pytest.raises(ConflictError) as error:
        create(session, ["one"])
    assert error.value.items[0].loc == "name.fi"
    assert campaigns.find_campaign_by_name(session, "omastadi 2025 itä") is not None


def test_adding_and_removing_ideas_keeps_the_removed_code_working(
    session: Session, blobs: MemoryBlobStore
) -> None:
    for slug in ("a", "b", "c"):
        published_idea(session, blobs, slug)
    campaign = create(session, ["a", "b"])
    slug = campaign.slug
    campaigns.add_ideas(session, slug, CampaignIdeas(ideas=["c"]).ideas, actor_id=None)
    with pytest.raises(InputError) as error:
        campaigns.add_ideas(session, slug, ["a"], actor_id=None)
    assert error.value.items[0].msgid == campaigns.MSG_IDEA_THERE
    code_a = campaign.entries[0].code.code
    campaigns.remove_idea(session, slug, "a", actor_id=None)
    assert [(e.idea.slug, e.position) for e in campaign.entries] == [("b", 0), ("c", 1)]
    redirect = repo.lookup_redirect(session, code_a)
    assert redirect is not None
    assert (redirect.idea_slug, redirect.active) == ("a", True)
    with pytest.raises(NotFoundError):
        campaigns.remove_idea(session, slug, "a", actor_id=None)
    actions = [e.action for e in repo.list_audit(session, target_type="campaign")]
    assert actions == ["campaign.remove_idea", "campaign.add_ideas", "campaign.create"]


def test_update_changes_only_what_is_given_and_rechecks_titles(
    session: Session, blobs: MemoryBlobStore
) -> None:
    published_idea(session, blobs, "fi-sv", title={"fi": "Nimi", "sv": "Namn"})
    campaign = create(session, ["fi-sv"])
    slug = campaign.slug
    with pytest.raises(InputError) as error:
        campaigns.update_campaign(
            session, slug, CampaignUpdate(languages=["fi", "en"]), actor_id=None
        )
    assert error.value.items[0].params == {"slug": "fi-sv", "language": "en"}
    campaigns.update_campaign(
        session, slug, CampaignUpdate(poster_size="a3", name={"sv": "OmaStadi Öst"}), actor_id=None
    )
    assert campaign.poster_size == "a3"
    assert campaign.name == {"sv": "OmaStadi Öst"}
    assert campaign.languages == ["fi", "sv"]
    change = repo.list_audit(session, action="campaign.update")[0].details["changes"]
    assert set(change) == {"poster_size", "name"}
    with pytest.raises(NotFoundError):
        campaigns.update_campaign(session, "nope", CampaignUpdate(), actor_id=None)
