"""QR codes, campaigns, scan counts and site assets in the database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from arservice.store import repositories as repo
from arservice.store.db import alembic_config, make_engine, migrate, session_factory
from arservice.store.models import Idea, IdeaStage, IdeaStatus, Platform, PosterSize

DAY = date(2026, 11, 24)


def _idea(session: Session, slug: str, status: IdeaStatus = IdeaStatus.PUBLISHED) -> Idea:
    return repo.add_idea(session, Idea(slug=slug, status=status, title={"fi": slug}))


def test_a_code_is_crockford_and_unique(session: Session) -> None:
    idea = _idea(session, "kuntosali")
    codes = {repo.create_qr_code(session, target_idea_id=idea.id).code for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert len(code) == repo.CODE_LENGTH
        assert set(code) <= set(repo.CODE_ALPHABET)
        assert not set(code) & set("ILOU")


def test_a_code_has_exactly_one_target(session: Session) -> None:
    idea = _idea(session, "kuntosali")
    with pytest.raises(IntegrityError, match="one_target"), session.begin_nested():
        repo.create_qr_code(session, target_idea_id=idea.id, target_url="https://example.org")
    with pytest.raises(IntegrityError, match="one_target"), session.begin_nested():
        repo.create_qr_code(session)


def test_a_redirect_is_read_with_its_idea(session: Session) -> None:
    idea = _idea(session, "kuntosali")
    code = repo.create_qr_code(session, target_idea_id=idea.id, lang="sv")
    url_code = repo.create_qr_code(session, target_url="https://example.org/photos")
    found = repo.lookup_redirect(session, code.code)
    assert found == repo.Redirect(code.id, True, None, "kuntosali", IdeaStatus.PUBLISHED, "sv")
    by_url = repo.lookup_redirect(session, url_code.code)
    assert by_url is not None
    assert (by_url.target_url, by_url.idea_slug) == ("https://example.org/photos", None)
    assert repo.lookup_redirect(session, "ZZZZZZZ") is None


def test_scan_counts_add_up_across_flushes(engine: Engine) -> None:
    factory = session_factory(engine, write=True)
    with factory.begin() as session:
        idea = _idea(session, "kuntosali")
        a = repo.create_qr_code(session, target_idea_id=idea.id).id
        b = repo.create_qr_code(session, target_idea_id=idea.id).id
    with factory.begin() as session:
        repo.add_scan_counts(session, {(a, DAY, Platform.IOS): 3, (b, DAY, Platform.BOT): 1})
    with factory.begin() as session:
        repo.add_scan_counts(session, {(a, DAY, Platform.IOS): 2, (a, DAY, Platform.ANDROID): 4})
        repo.add_scan_counts(session, {(999, DAY, Platform.IOS): 7})  # a deleted code: dropped
    with factory() as session:
        rows = repo.scan_counts(session)
        assert [(r.code_id, r.platform, r.count) for r in rows] == [
            (a, Platform.ANDROID, 4),
            (a, Platform.IOS, 5),
            (b, Platform.BOT, 1),
        ]
        assert repo.scan_counts(session, [b]) == [repo.ScanRow(b, DAY, Platform.BOT, 1)]
        assert repo.scan_counts(session, since=date(2026, 11, 25)) == []


def test_a_campaign_keeps_its_ideas_in_order_with_one_code_each(session: Session) -> None:
    campaign = repo.create_campaign(
        session,
        name={"fi": "OmaStadi 2025 -voittajat, Itä", "sv": "OmaStadi 2025, Öst"},
        languages=["fi", "sv"],
        poster_size=PosterSize.A3,
        created_by_id=None,
    )
    assert campaign.slug == "omastadi-2025-voittajat-ita"
    for slug in ("b-idea", "a-idea"):
        idea = _idea(session, slug)
        repo.add_campaign_entry(
            session, campaign, idea, repo.create_qr_code(session, target_idea_id=idea.id)
        )
    session.expire_all()
    again = repo.get_campaign_by_slug(session, "omastadi-2025-voittajat-ita")
    assert again is not None
    assert [entry.idea.slug for entry in again.entries] == ["b-idea", "a-idea"]
    assert repo.campaigns_of_idea(session, again.entries[0].idea_id) == [again]
    third = _idea(session, "c-idea")
    with pytest.raises(IntegrityError, match="code_id"), session.begin_nested():
        repo.add_campaign_entry(session, again, third, again.entries[1].code)  # a code prints once


def test_a_site_asset_is_replaced_in_place(session: Session) -> None:
    repo.put_site_asset(
        session,
        "logo",
        blob_key="site/a",
        sha256="a" * 64,
        content_type="image/png",
        size=10,
        updated_by_id=None,
    )
    repo.put_site_asset(
        session,
        "logo",
        blob_key="site/b",
        sha256="b" * 64,
        content_type="image/svg+xml",
        size=20,
        updated_by_id=None,
    )
    asset = repo.get_site_asset(session, "logo")
    assert asset is not None
    assert (asset.blob_key, asset.content_type, asset.size) == ("site/b", "image/svg+xml", 20)


def test_upgrading_from_0001_keeps_ideas_as_winners_in_no_district(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0001")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO ideas (slug, status, title, summary, description, pb_selected,"
                    " params, created_at, updated_at) VALUES ('vanha', 'published', '{}', '{}',"
                    " '{}', 1, '{}', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
                )
            )
        migrate(engine)
        with session_factory(engine)() as session:
            idea = repo.get_idea_by_slug(session, "vanha")
            assert idea is not None
            assert (idea.stage, idea.district, idea.status) == (
                IdeaStage.WINNER,
                {},
                IdeaStatus.PUBLISHED,
            )
        with engine.begin() as connection, pytest.raises(IntegrityError, match="stage"):
            connection.execute(text("UPDATE ideas SET stage = 'demolished'"))
    finally:
        engine.dispose()
