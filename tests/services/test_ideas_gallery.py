"""The gallery's use case: filter keys checked like any input, district keys stable across
languages, choices only from published ideas."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from arservice.errors import InputError
from arservice.services import ideas
from arservice.services.gallery import (
    GalleryFilter,
    check_filter,
    district_key,
    published_gallery,
)
from arservice.services.idea_input import IdeaCreate
from arservice.store import repositories as repo
from arservice.store.blobs import MemoryBlobStore
from arservice.store.models import IdeaStatus, PosterSize


@pytest.mark.parametrize(
    ("names", "key"),
    [
        ({"fi": "Itäinen", "sv": "Östra", "en": "Eastern"}, "itainen"),
        ({"sv": "Östra", "en": "Eastern"}, "ostra"),
        ({"en": "Eastern"}, "eastern"),
        ({"de": "Östlich"}, "ostlich"),
        ({"fi": "!!!", "sv": "Södra"}, "sodra"),
        ({}, ""),
    ],
)
def test_a_district_key_is_its_finnish_name_slugified_else_the_next_language(
    names: dict[str, str], key: str
) -> None:
    assert district_key(names) == key


def test_a_filter_takes_keys_and_ignores_other_parameters() -> None:
    query = {"district": "itainen", "campaign": "kevat-2024", "lang": "sv", "utm": "<x>"}
    assert check_filter(query) == GalleryFilter(campaign="kevat-2024", district="itainen")
    assert not check_filter({}).active


def test_every_malformed_filter_value_is_named() -> None:
    with pytest.raises(InputError) as error:
        check_filter({"campaign": "A", "district": "ö", "kind": "x" * 101})
    assert [item.loc for item in error.value.items] == ["campaign", "district", "kind"]
    assert "100" in error.value.items[0].message("en")


def _idea(session: Session, blobs: MemoryBlobStore, slug: str, district: dict[str, str]) -> int:
    data = IdeaCreate.model_validate({"slug": slug, "title": {"fi": slug}, "district": district})
    return ideas.create_idea(session, blobs, data, actor_id=None).id


def test_choices_and_matches_come_from_published_ideas_only(
    session: Session, blobs: MemoryBlobStore
) -> None:
    east, south = {"fi": "Itäinen"}, {"fi": "Eteläinen"}
    ids = {
        slug: _idea(session, blobs, slug, district)
        for slug, district in [("a", east), ("b", south), ("draft", {"fi": "Pohjoinen"})]
    }
    for slug in ("a", "b"):
        idea = repo.get_idea(session, ids[slug])
        assert idea is not None
        idea.status = IdeaStatus.PUBLISHED
    mixed = repo.create_campaign(
        session,
        name={"fi": "Seka"},
        languages=["fi"],
        poster_size=PosterSize.A4,
        created_by_id=None,
        slug="seka",
    )
    drafts = repo.create_campaign(
        session,
        name={"fi": "Luonnokset"},
        languages=["fi"],
        poster_size=PosterSize.A4,
        created_by_id=None,
        slug="luonnokset",
    )
    for campaign, slug in [(mixed, "a"), (mixed, "draft"), (drafts, "draft")]:
        idea = repo.get_idea(session, ids[slug])
        assert idea is not None
        repo.add_campaign_entry(
            session, campaign, idea, repo.create_qr_code(session, target_idea_id=idea.id)
        )
    session.flush()
    everything = published_gallery(session, GalleryFilter())
    assert sorted(idea.slug for idea in everything.ideas) == ["a", "b"]
    assert everything.total == 2
    assert [choice.key for choice in everything.campaigns] == ["seka"]
    assert sorted(choice.key for choice in everything.districts) == ["etelainen", "itainen"]
    in_mixed = published_gallery(session, GalleryFilter(campaign="seka"))
    assert [idea.slug for idea in in_mixed.ideas] == ["a"]
    assert published_gallery(session, GalleryFilter(campaign="luonnokset")).ideas == []
    assert published_gallery(session, GalleryFilter(district="pohjoinen")).ideas == []
    both = published_gallery(session, GalleryFilter(campaign="seka", district="etelainen"))
    assert (both.ideas, both.total) == ([], 2)
