"""Short codes on their own: targets, retargeting, language, label, state; each bad input."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from arservice.errors import InputError, NotFoundError
from arservice.services import campaign_codes as codes
from arservice.services.campaign_input import CodeCreate, CodeUpdate
from arservice.store import repositories as repo
from arservice.store.blobs import MemoryBlobStore
from arservice.store.models import IdeaStatus
from tests.services.test_campaigns import published_idea


def test_a_code_for_an_idea_then_retargeted_to_photos(
    session: Session, blobs: MemoryBlobStore
) -> None:
    published_idea(session, blobs, "gym")
    row = codes.create_code(
        session, CodeCreate(target_idea="gym", lang="sv", label="Gate"), actor_id=None
    )
    redirect = repo.lookup_redirect(session, row.code)
    assert redirect is not None
    assert (redirect.idea_slug, redirect.target_url, redirect.lang) == ("gym", None, "sv")
    photos = "https://www.hel.fi/kuvat/kapyla?album=1"
    codes.update_code(session, row.code.lower(), CodeUpdate(target_url=photos), actor_id=None)
    redirect = repo.lookup_redirect(session, row.code)
    assert redirect is not None
    assert (redirect.idea_slug, redirect.target_url) == (None, photos)
    assert codes.describe_target(row) == {"url": photos}
    change = repo.list_audit(session, action="code.update")[0].details["changes"]
    assert change == {"target": {"from": {"idea": "gym"}, "to": {"url": photos}}}


def test_lang_label_and_active_change_and_are_audited(
    session: Session, blobs: MemoryBlobStore
) -> None:
    row = codes.create_code(session, CodeCreate(target_url="https://hel.fi"), actor_id=None)
    codes.update_code(
        session, row.code, CodeUpdate(lang="fi", label="  Kirjasto  ", active=False), actor_id=None
    )
    assert (row.lang, row.label, row.active) == ("fi", "Kirjasto", False)
    codes.update_code(session, row.code, CodeUpdate(lang=None, active=True), actor_id=None)
    assert (row.lang, row.active) == (None, True)
    actions = [e.action for e in repo.list_audit(session, target_id=row.code)]
    assert actions == ["code.update", "code.update", "code.create"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hel.fi/file",
        "javascript:alert(1)",
        "https://",
        "https://user:secret@hel.fi/",
        "https://hel.fi@evil.example/",
        "https://hel.fi/a b",
        "https://hel.fi/\nSet-Cookie: a=b",
        "https://hel.fi:port/",
        "https://hel.fi/" + "a" * 2000,
        "/q/ABC",
    ],
)
def test_a_target_url_that_is_not_plain_http_is_refused(session: Session, url: str) -> None:
    with pytest.raises(InputError) as error:
        codes.create_code(session, CodeCreate(target_url=url), actor_id=None)
    assert [item.loc for item in error.value.items] == ["target_url"]
    assert error.value.items[0].message("en").startswith("must be an http:// or https:// address")


def test_targets_and_language_are_checked(session: Session, blobs: MemoryBlobStore) -> None:
    published_idea(session, blobs, "draft", status=IdeaStatus.DRAFT)
    cases = {
        "": CodeCreate(),
        "target_idea": CodeCreate(target_idea="nope"),
        "lang": CodeCreate(target_url="https://hel.fi", lang="de"),
        "label": CodeCreate(target_url="https://hel.fi", label="x" * 201),
    }
    for loc, data in cases.items():
        with pytest.raises(InputError) as error:
            codes.create_code(session, data, actor_id=None)
        assert [item.loc for item in error.value.items] == [loc]
    with pytest.raises(InputError) as error:
        codes.create_code(
            session, CodeCreate(target_idea="draft", target_url="https://x.fi"), actor_id=None
        )
    assert error.value.items[0].msgid == codes.MSG_ONE_TARGET
    with pytest.raises(InputError) as error:
        codes.create_code(session, CodeCreate(target_idea="draft"), actor_id=None)
    assert error.value.items[0].msgid == codes.MSG_NOT_PUBLISHED


def test_an_unknown_or_malformed_code_is_not_found(session: Session) -> None:
    for code in ("ZZZZZZZ", "not a code!", ""):
        with pytest.raises(NotFoundError):
            codes.get_code(session, code)
