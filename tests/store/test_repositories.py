"""Repositories and password helpers against a migrated SQLite database per test."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from arservice.store import repositories as repo
from arservice.store.db import session_factory
from arservice.store.models import Artifact, ArtifactKind, Idea, IdeaStatus, Role, User
from arservice.store.passwords import hash_password, verify_password

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def planner(session: Session) -> User:
    return repo.create_user(
        session, email="Planner@Example.org ", display_name="Pia", role=Role.PLANNER, password="pw"
    )


# --- users and passwords -----------------------------------------------------------------------


def test_a_user_is_found_by_email_in_any_case(session: Session, planner: User) -> None:
    assert planner.email == "planner@example.org"
    assert repo.get_user_by_email(session, "PLANNER@example.org") is planner
    assert repo.get_user_by_email(session, "nobody@example.org") is None
    assert verify_password(planner.password_hash, "pw").ok


def test_an_email_is_taken_once(session: Session, planner: User) -> None:
    with pytest.raises(IntegrityError):
        repo.create_user(
            session, email="planner@example.org", display_name="B", role=Role.COMMS, password="x"
        )


def test_a_password_is_checked_against_its_argon2_hash() -> None:
    stored = hash_password("correct horse", hasher=CHEAP)
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert verify_password(stored, "correct horse", hasher=CHEAP).ok
    assert not verify_password(stored, "wrong horse", hasher=CHEAP).ok


def test_an_outdated_hash_is_replaced_at_the_next_login() -> None:
    old = hash_password("pw", hasher=CHEAP)
    check = verify_password(old, "pw")
    assert check.ok
    assert check.new_hash is not None
    assert verify_password(check.new_hash, "pw").new_hash is None


def test_an_unknown_user_or_a_corrupt_hash_fails_without_an_error() -> None:
    assert not verify_password(None, "pw", hasher=CHEAP).ok
    assert not verify_password("not a hash", "pw", hasher=CHEAP).ok


# --- API tokens --------------------------------------------------------------------------------


def test_a_token_secret_is_not_stored_only_its_hash(session: Session, planner: User) -> None:
    issued = repo.create_api_token(session, planner, "import script")
    assert issued.secret.startswith("ars_")
    assert issued.token.token_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.token.prefix == issued.secret[:12]
    row = session.execute(text("SELECT * FROM api_tokens")).one()
    stored = " ".join(str(value) for value in row)
    assert issued.secret not in stored
    assert issued.secret[12:] not in stored


def test_a_token_is_verified_by_its_hash(session: Session, planner: User) -> None:
    issued = repo.create_api_token(session, planner, "ci")
    token = repo.find_api_token(session, issued.secret)
    assert token is issued.token
    assert token.user is planner
    assert token.last_used_at is None
    assert repo.find_api_token(session, issued.secret + "x") is None
    assert repo.find_api_token(session, "") is None


def test_a_revoked_token_is_refused(session: Session, planner: User) -> None:
    issued = repo.create_api_token(session, planner, "ci")
    repo.revoke_api_token(session, issued.token, now=T0)
    repo.revoke_api_token(session, issued.token, now=T0 + timedelta(days=1))
    assert issued.token.revoked_at == T0
    assert repo.find_api_token(session, issued.secret) is None


def test_an_inactive_users_token_is_refused(session: Session, planner: User) -> None:
    issued = repo.create_api_token(session, planner, "ci")
    planner.active = False
    session.flush()
    assert repo.find_api_token(session, issued.secret) is None


def test_last_used_is_written_at_most_once_a_minute(session: Session, planner: User) -> None:
    issued = repo.create_api_token(session, planner, "ci")
    token = issued.token
    assert repo.token_use_is_stale(token, T0)
    repo.touch_api_token(session, token.id, now=T0)
    session.refresh(token)
    assert token.last_used_at == T0
    assert not repo.token_use_is_stale(token, T0 + timedelta(seconds=30))
    repo.touch_api_token(session, token.id, now=T0 + timedelta(seconds=30))
    session.refresh(token)
    assert token.last_used_at == T0, "a use within the minute writes nothing"
    assert repo.token_use_is_stale(token, T0 + timedelta(minutes=2))
    repo.touch_api_token(session, token.id, now=T0 + timedelta(minutes=2))
    session.refresh(token)
    assert token.last_used_at == T0 + timedelta(minutes=2)
    assert [t.name for t in repo.list_api_tokens(session, planner.id)] == ["ci"]


# --- templates ---------------------------------------------------------------------------------


def test_template_versions_are_numbered_per_template(session: Session, planner: User) -> None:
    first = repo.add_template_version(session, "outdoor-gym", "v1", builtin=True)
    second = repo.add_template_version(session, "outdoor-gym", "v2", author_id=planner.id)
    other = repo.add_template_version(session, "ball-court", "court")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    latest = repo.get_latest_template_version(session, "outdoor-gym")
    assert latest is second
    assert latest.author_id == planner.id
    specific = repo.get_template_version(session, "outdoor-gym", 1)
    assert specific is not None
    assert specific.source == "v1"
    assert repo.get_template_version(session, "outdoor-gym", 3) is None
    assert repo.get_latest_template_version(session, "none") is None
    gym = repo.get_template(session, "outdoor-gym")
    assert gym is not None
    assert gym.builtin
    assert [v.version for v in gym.versions] == [1, 2]
    assert [t.id for t in repo.list_templates(session)] == ["ball-court", "outdoor-gym"]


def test_a_template_version_keeps_its_component_assets(session: Session) -> None:
    version = repo.add_template_version(session, "outdoor-gym", "v1")
    repo.add_template_asset(
        session, version, file_name="sign.glb", blob_key="assets/ab.glb", sha256="ab" * 32, size=9
    )
    session.expire(version)
    assert [a.file_name for a in version.assets] == ["sign.glb"]


# --- audit log ---------------------------------------------------------------------------------


def test_the_audit_log_is_appended_and_filtered(session: Session, planner: User) -> None:
    repo.append_audit(
        session, "idea.create", actor_id=planner.id, target_type="idea", target_id=1, now=T0
    )
    repo.append_audit(
        session,
        "idea.publish",
        actor_id=planner.id,
        target_type="idea",
        target_id=1,
        details={"slug": "kapylan-kuntosali", "note": "ääni"},
        now=T0 + timedelta(minutes=1),
    )
    repo.append_audit(session, "template.seed", actor_id=None, target_type="template", now=T0)
    newest_first = [e.action for e in repo.list_audit(session)]
    assert newest_first == ["idea.publish", "template.seed", "idea.create"]
    assert [e.action for e in repo.list_audit(session, action="idea.publish")] == ["idea.publish"]
    mine = repo.list_audit(session, actor_id=planner.id)
    assert [e.action for e in mine] == ["idea.publish", "idea.create"]
    assert mine[0].details == {"slug": "kapylan-kuntosali", "note": "ääni"}
    assert len(repo.list_audit(session, target_type="idea", target_id="1")) == 2
    assert [e.action for e in repo.list_audit(session, limit=1, offset=1)] == ["template.seed"]


# --- ideas and slugs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Käpylän ulkokuntosali", "kapylan-ulkokuntosali"),
        ("Utegym på Åggelby", "utegym-pa-aggelby"),
        ("  Öljynpuristamo -- Café! ", "oljynpuristamo-cafe"),
        ("Straße & Ærø", "strasse-aero"),
        ("!!!", "idea"),
    ],
)
def test_a_slug_is_readable(title: str, slug: str) -> None:
    assert repo.make_slug(title, lambda _: False) == slug


def test_a_slug_gets_a_number_on_collision() -> None:
    taken = {"ulkokuntosali", "ulkokuntosali-2"}
    assert repo.make_slug("Ulkokuntosali", taken.__contains__) == "ulkokuntosali-3"


def test_a_long_slug_is_cut_at_a_word() -> None:
    slug = repo.make_slug("pallokenttä " * 20, lambda _: False)
    assert len(slug) <= repo.MAX_SLUG_BASE
    assert slug.endswith("pallokentta")


def test_new_idea_slugs_avoid_existing_ideas(session: Session) -> None:
    repo.add_idea(session, Idea(slug=repo.new_idea_slug(session, "Käpylän kuntosali")))
    assert repo.new_idea_slug(session, "Käpylän kuntosali") == "kapylan-kuntosali-2"


def test_ideas_are_listed_by_status(session: Session) -> None:
    draft = repo.add_idea(session, Idea(slug="draft"))
    older = repo.add_idea(session, Idea(slug="older", status=IdeaStatus.PUBLISHED, published_at=T0))
    newer = repo.add_idea(
        session,
        Idea(slug="newer", status=IdeaStatus.PUBLISHED, published_at=T0 + timedelta(days=1)),
    )
    archived = repo.add_idea(session, Idea(slug="archived", status=IdeaStatus.ARCHIVED))
    assert repo.list_published_ideas(session) == [newer, older]
    assert repo.list_ideas(session, IdeaStatus.DRAFT) == [draft]
    assert repo.list_ideas(session, IdeaStatus.ARCHIVED) == [archived]
    assert set(repo.list_ideas(session)) == {draft, older, newer, archived}
    assert repo.get_idea_by_slug(session, "older") is older
    assert repo.get_idea(session, draft.id) is draft
    assert repo.get_idea_by_slug(session, "none") is None


# --- artifacts ---------------------------------------------------------------------------------


def test_an_artifact_is_recorded_once_per_kind(session: Session) -> None:
    sha = "3f" * 32
    glb = repo.record_artifact(
        session, sha256=sha, kind=ArtifactKind.GLB, blob_key=f"artifacts/{sha}.glb", size=10,
        source={"template": "outdoor-gym", "version": 1, "params": {"stations": 3}},
    )  # fmt: skip
    again = repo.record_artifact(
        session, sha256=sha, kind=ArtifactKind.GLB, blob_key="other", size=99
    )
    png = repo.record_artifact(
        session, sha256=sha, kind=ArtifactKind.PNG, blob_key=f"artifacts/{sha}.png", size=5
    )
    assert again is glb
    assert again.blob_key == f"artifacts/{sha}.glb"
    assert repo.get_artifact(session, sha, ArtifactKind.PNG) is png
    assert repo.get_artifact(session, sha, ArtifactKind.USDZ) is None


def test_losing_a_race_to_record_an_artifact_returns_the_winner(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process records the artifact between this one's lookup and its insert."""
    sha = "ab" * 32
    factory = session_factory(engine)
    with factory.begin() as first:
        repo.record_artifact(
            first, sha256=sha, kind=ArtifactKind.GLB, blob_key="artifacts/first.glb", size=1
        )
    real_get = repo.get_artifact
    calls: list[str] = []

    def get_after_the_race(session: Session, sha256: str, kind: ArtifactKind) -> Artifact | None:
        calls.append(sha256)
        return None if len(calls) == 1 else real_get(session, sha256, kind)

    monkeypatch.setattr(repo, "get_artifact", get_after_the_race)
    with factory() as late:
        repo.append_audit(late, "idea.publish", actor_id=None, target_type="idea")
        recorded = repo.record_artifact(
            late, sha256=sha, kind=ArtifactKind.GLB, blob_key="artifacts/late.glb", size=1
        )
        assert recorded.blob_key == "artifacts/first.glb"
        assert len(calls) == 2
        late.commit()  # only the SAVEPOINT was rolled back: the rest of the work is kept
    with factory() as session:
        assert len(repo.list_audit(session)) == 1
