"""The models on a migrated database: constraints hold, values come back as they went in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex, CreateTable

from arservice.store.db import session_factory
from arservice.store.models import (
    ApiToken,
    Base,
    Idea,
    IdeaStatus,
    Role,
    Template,
    TemplateVersion,
    User,
)

TITLE = {"fi": "Käpylän ulkokuntosali", "sv": "Utegym i Åggelby", "en": "Outdoor gym, Käpylä"}
GEOPOSE = {
    "position": {"lat": 60.2155, "lon": 24.9462, "h": 0.0},
    "angles": {"yaw": 35.5, "pitch": 0.0, "roll": 0.0},
}


def _user(email: str = "planner@example.org") -> User:
    return User(email=email, display_name="Planner", role=Role.PLANNER, password_hash="x")


def _template_version(session: Session) -> TemplateVersion:
    session.add(Template(id="outdoor-gym"))
    version = TemplateVersion(template_id="outdoor-gym", version=1, source="format: …")
    session.add(version)
    session.flush()
    return version


def test_foreign_keys_are_enforced(session: Session) -> None:
    session.add(ApiToken(user_id=999, name="ci", token_hash="0" * 64, prefix="ars_x"))
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
        session.flush()


def test_an_idea_cannot_name_a_missing_template_version(session: Session) -> None:
    _template_version(session)
    session.add(Idea(slug="gym", template_id="outdoor-gym", template_version=2))
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
        session.flush()


def test_slugs_are_unique(session: Session) -> None:
    session.add(Idea(slug="kapylan-ulkokuntosali"))
    session.flush()
    session.add(Idea(slug="kapylan-ulkokuntosali"))
    with pytest.raises(IntegrityError, match=r"(?i)unique"):
        session.flush()


def test_emails_are_unique(session: Session) -> None:
    session.add_all([_user(), _user()])
    with pytest.raises(IntegrityError, match=r"(?i)unique"):
        session.flush()


def test_an_idea_has_a_template_or_an_uploaded_glb_not_both(session: Session) -> None:
    _template_version(session)
    session.add(
        Idea(
            slug="both",
            template_id="outdoor-gym",
            template_version=1,
            uploaded_glb_key="uploads/gym.glb",
        )
    )
    with pytest.raises(IntegrityError, match="one_model_source"):
        session.flush()


def test_a_template_id_needs_its_version(session: Session) -> None:
    _template_version(session)
    session.add(Idea(slug="half", template_id="outdoor-gym"))
    with pytest.raises(IntegrityError, match="template_id_with_version"):
        session.flush()


def test_a_budget_is_not_negative(session: Session) -> None:
    session.add(Idea(slug="debt", pb_budget_cents=-1))
    with pytest.raises(IntegrityError, match="budget"):
        session.flush()


def test_an_unknown_role_is_refused_in_python_and_in_the_database(session: Session) -> None:
    with pytest.raises(StatementError):
        session.execute(
            insert(User).values(
                email="x@example.org", display_name="X", role="root", password_hash="x"
            )
        )
    session.rollback()
    with pytest.raises(IntegrityError, match="ck_users_role"):
        session.execute(
            text(
                "INSERT INTO users (email, display_name, role, password_hash, active, created_at)"
                " VALUES ('x@example.org', 'X', 'root', 'x', TRUE, '2026-01-01 00:00:00')"
            )
        )


def test_vocabularies_are_stored_as_their_lowercase_values(session: Session) -> None:
    session.add_all([_user(), Idea(slug="gym", status=IdeaStatus.PUBLISHED)])
    session.flush()
    assert session.execute(text("SELECT role FROM users")).scalar_one() == "planner"
    assert session.execute(text("SELECT status FROM ideas")).scalar_one() == "published"


def test_per_language_texts_and_geopose_round_trip(engine: Engine) -> None:
    factory = session_factory(engine)
    with factory.begin() as session:
        idea = Idea(slug="kapylan-ulkokuntosali", title=TITLE, site=GEOPOSE, params={"n": 3})
        idea.summary = {"fi": "Ääni, öljy ja å"}
        session.add(idea)
    with factory() as session:
        loaded = session.get(Idea, idea.id)
        assert loaded is not None
        assert loaded.title == TITLE
        assert loaded.summary == {"fi": "Ääni, öljy ja å"}
        assert loaded.description == {}
        assert loaded.site == GEOPOSE
        assert loaded.footprint is None
        assert loaded.params == {"n": 3}
        stored = session.execute(text("SELECT CAST(title AS TEXT) FROM ideas")).scalar_one()
        assert "Käpylän" in stored  # readable UTF-8, not \u00e4 escapes


def test_a_changed_language_entry_is_saved(engine: Engine) -> None:
    factory = session_factory(engine)
    with factory.begin() as session:
        idea = Idea(slug="gym", title={"fi": "Kuntosali"})
        session.add(idea)
    with factory.begin() as session:
        loaded = session.get(Idea, idea.id)
        assert loaded is not None
        loaded.title["sv"] = "Utegym på Åggelby"
    with factory() as session:
        again = session.get(Idea, idea.id)
        assert again is not None
        assert again.title == {"fi": "Kuntosali", "sv": "Utegym på Åggelby"}


def test_timestamps_come_back_aware_in_utc(engine: Engine) -> None:
    helsinki = timezone(timedelta(hours=3))
    published = datetime(2026, 6, 1, 12, 0, tzinfo=helsinki)
    factory = session_factory(engine)
    with factory.begin() as session:
        idea = Idea(slug="gym", published_at=published)
        session.add(idea)
    with factory() as session:
        loaded = session.get(Idea, idea.id)
        assert loaded is not None
        assert loaded.published_at == published
        assert loaded.published_at is not None
        assert loaded.published_at.tzinfo is UTC
        assert loaded.published_at.hour == 9
        assert loaded.created_at.tzinfo is UTC
        assert loaded.updated_at >= loaded.created_at


def test_a_naive_timestamp_is_refused(session: Session) -> None:
    session.add(Idea(slug="gym", published_at=datetime(2026, 6, 1, 12, 0)))
    with pytest.raises(StatementError, match="naive"):
        session.flush()


def test_updated_at_moves_on_change(engine: Engine) -> None:
    factory = session_factory(engine)
    with factory.begin() as session:
        idea = Idea(slug="gym")
        session.add(idea)
    with factory.begin() as session:
        loaded = session.get(Idea, idea.id)
        assert loaded is not None
        loaded.pb_selected = True
    with factory() as session:
        again = session.get(Idea, idea.id)
        assert again is not None
        assert again.updated_at > idea.updated_at


def test_every_table_compiles_for_postgresql() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    for table in Base.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert "DATETIME" not in ddl
        for index in table.indexes:
            str(CreateIndex(index).compile(dialect=dialect))
