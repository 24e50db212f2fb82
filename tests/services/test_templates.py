"""Templates in the database: lookups, and planners' uploads of templates, versions and their
component GLBs, with every problem at once and nothing written when one is refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from arservice.errors import (
    ArServiceError,
    AssetError,
    BuildError,
    ConflictError,
    NotFoundError,
    TemplateError,
)
from arservice.parametric import loader
from arservice.services import templates as service
from arservice.services import uploads
from arservice.services.artifacts import ArtifactBuilder
from arservice.services.templates import asset_key, upload_template
from arservice.store import repositories as repo
from arservice.store.blobs import MemoryBlobStore
from arservice.store.builtin import builtin_template_paths, material_library
from arservice.store.db import session_factory
from arservice.store.models import AuditEntry, Role, TemplateAsset, TemplateVersion
from tests.services.test_uploads import sign_glb

SIGNS = """\
format: arservice/template@1
id: sign-post
version: {version}
title: {{en: Sign post}}
params:
  width: {{type: length, min: 1, max: 6, default: 2, label: {{en: Width}}}}
parts:
  - {{name: pad, shape: box, size: [=width, 0.1, 1.5], at: [0, 0.05, 0], material: concrete}}
  - {{name: sign, asset: info-sign.glb, at: [0, 0.1, 0]}}
"""


def signs(version: int = 1, extra_parts: str = "") -> bytes:
    return (SIGNS.format(version=version) + extra_parts).encode()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the test's database (the built-in templates stored: see conftest)."""
    return session_factory(engine)


@pytest.fixture
def author(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        user = repo.create_user(
            session, email="p@example.org", display_name="P", role=Role.PLANNER, password="x"
        )
        return user.id


def upload(
    sessions: sessionmaker[Session],
    blobs: MemoryBlobStore,
    source: bytes,
    assets: Mapping[str, bytes] | Sequence[tuple[str, bytes]] = (),
    author: int | None = None,
) -> service.UploadedTemplate:
    """One upload in one transaction, as the API does it."""
    with sessions.begin() as session:
        return upload_template(session, blobs, source, assets, author_id=author)


def counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    """Rows of template_versions, template_assets and audit_entries."""
    with sessions() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (TemplateVersion, TemplateAsset, AuditEntry)
        )


def locs(error: pytest.ExceptionInfo[ArServiceError]) -> list[str]:
    return [item.loc for item in error.value.items]


# --- uploads that are stored -------------------------------------------------------------------


def test_a_new_template_is_stored_with_its_component(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore, author: int
) -> None:
    sign = sign_glb()
    result = upload(sessions, blobs, signs(), {"info-sign.glb": sign}, author)
    assert (result.template.id, result.template.version) == ("sign-post", 1)
    assert result.new_template
    assert not result.builtin
    assert result.uploaded == ("info-sign.glb",)
    assert result.carried_over == ()
    assert blobs.get(asset_key(uploads.hashlib.sha256(sign).hexdigest())) == sign
    with sessions() as session:
        found = service.stored_template(session, blobs, "sign-post")
        assert found.asset_files == {"info-sign.glb": sign}
        assert not found.builtin
        row = repo.get_template_version(session, "sign-post", 1)
        assert row is not None
        assert row.source == signs().decode()
        assert row.author_id == author
        [entry] = repo.list_audit(session, action="template.upload")
        assert (entry.actor_id, entry.target_type, entry.target_id) == (
            author,
            "template",
            "sign-post",
        )
        assert entry.details == {
            "version": 1,
            "assets": ["info-sign.glb"],
            "carried_over": [],
            "new_template": True,
        }


class CountingBlobs(MemoryBlobStore):
    """A memory blob store that counts the reads of each key."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: dict[str, int] = {}

    def get(self, key: str) -> bytes:
        self.reads[key] = self.reads.get(key, 0) + 1
        return super().get(key)


def test_a_preview_whose_model_is_built_reads_no_component_file(
    sessions: sessionmaker[Session],
) -> None:
    """Component bytes are read when a build needs them, once per lookup, and not at all when
    the model with those values is stored already."""
    blobs = CountingBlobs()
    sign = sign_glb()
    upload(sessions, blobs, signs(), {"info-sign.glb": sign})
    key = asset_key(uploads.hashlib.sha256(sign).hexdigest())
    builder = ArtifactBuilder()
    library = material_library()

    def preview() -> bool:
        with sessions() as session:
            found = service.stored_template(session, blobs, "sign-post")
        ref = builder.ensure_glb(
            found.template,
            {"width": 3},
            library=library,
            blobs=blobs,
            asset_files=found.asset_files,
        )
        return ref.built

    blobs.reads.clear()
    assert preview() is True  # built: the file is read once
    assert blobs.reads.get(key) == 1
    assert preview() is False  # found built: the file is not read again
    assert blobs.reads.get(key) == 1
    with sessions() as session:
        found = service.stored_template(session, blobs, "sign-post")
    assert list(found.asset_files) == ["info-sign.glb"]  # names without reading
    assert blobs.reads.get(key) == 1
    assert found.asset_files["info-sign.glb"] == sign == found.asset_files["info-sign.glb"]
    assert blobs.reads.get(key) == 2  # read once for this lookup


def test_a_new_version_carries_over_the_components_it_does_not_upload(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore
) -> None:
    sign = sign_glb()
    upload(sessions, blobs, signs(1), {"info-sign.glb": sign})
    second = upload(sessions, blobs, signs(2))
    assert second.carried_over == ("info-sign.glb",)
    assert not second.new_template
    bigger = sign_glb(board=(1.2, 0.8, 0.02))
    third = upload(sessions, blobs, signs(5), [("info-sign.glb", bigger)])
    assert third.uploaded == ("info-sign.glb",)
    with sessions() as session:
        assert service.stored_template(session, blobs, "sign-post", 2).asset_files == {
            "info-sign.glb": sign
        }
        assert service.stored_template(session, blobs, "sign-post").asset_files == {
            "info-sign.glb": bigger
        }
        assert [v.version for v in service.template_versions(session, "sign-post")] == [1, 2, 5]
        [entry, *_] = repo.list_audit(session, action="template.upload")
        assert entry.details["version"] == 5


def test_a_version_that_no_longer_uses_a_component_leaves_it_behind(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore
) -> None:
    upload(sessions, blobs, signs(1), {"info-sign.glb": sign_glb()})
    plain = (
        signs(2).decode().replace("  - {name: sign, asset: info-sign.glb, at: [0, 0.1, 0]}\n", "")
    )
    result = upload(sessions, blobs, plain.encode())
    assert result.asset_names == ()
    with sessions() as session:
        assert service.template_info(session, "sign-post").asset_names == ()


def test_a_built_in_template_takes_a_new_version_and_stays_built_in(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore, author: int
) -> None:
    path = builtin_template_paths()["outdoor-gym"]
    text = path.read_text(encoding="utf-8")
    with sessions() as session:
        newest = repo.latest_template_version_number(session, "outdoor-gym")
    assert newest is not None
    edited = text.replace(f"version: {newest}\n", f"version: {newest + 1}\n", 1)
    result = upload(sessions, blobs, edited.encode(), author=author)
    assert result.builtin
    assert not result.new_template
    with sessions() as session:
        info = service.template_info(session, "outdoor-gym")
        assert (info.template.version, info.builtin) == (newest + 1, True)
        assert info.versions == (newest, newest + 1)
        # Starting again (a restart) keeps the planner's version as the newest.
        assert service.sync_builtin_templates(session) == []


def test_a_json_template_and_its_byte_order_mark(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore
) -> None:
    source = (
        '{"format": "arservice/template@1", "id": "slab", "version": 1, "title": {"en": "Slab"},'
        ' "parts": [{"shape": "box", "size": [1, 0.1, 1]}]}'
    )
    upload(sessions, blobs, b"\xef\xbb\xbf" + source.encode())
    with sessions() as session:
        assert service.template_source(session, "slab", 1) == source


# --- uploads that are refused, with every problem at once --------------------------------------


def test_the_version_must_be_new(sessions: sessionmaker[Session], blobs: MemoryBlobStore) -> None:
    upload(sessions, blobs, signs(3), {"info-sign.glb": sign_glb()})
    before = counts(sessions)
    for version in (3, 2):
        with pytest.raises(ConflictError) as caught:
            upload(sessions, blobs, signs(version))
        [item] = caught.value.items
        assert item.loc == "version"
        assert item.message("en") == (
            "template 'sign-post' has version 3 already; give version 4 to add a new version"
        )
    assert counts(sessions) == before


def test_a_taken_version_is_told_with_the_templates_other_problems(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore
) -> None:
    upload(sessions, blobs, signs(1), {"info-sign.glb": sign_glb()})
    broken = signs(1, "  - {shape: box, size: [1, 1]}\n")
    with pytest.raises(TemplateError) as caught:
        upload(sessions, blobs, broken, {"unused.glb": sign_glb()})
    # A template that does not load cannot say which files it uses, but its version is read.
    assert locs(caught) == ["parts[2].size", "version"]


def test_every_problem_of_template_and_files_is_told_at_once(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore
) -> None:
    source = signs(1, "  - {shape: sphere, radius: =hieght, material: unobtanium}\n")
    files = [
        ("info-sign.glb", b"not a glb"),
        ("../../etc/x.glb", sign_glb()),
        ("twice.glb", sign_glb()),
        ("twice.glb", sign_glb()),
    ]
    before = counts(sessions)
    with pytest.raises(TemplateError) as caught:
        upload(sessions, blobs, source, files)
    assert caught.value.code == "template_invalid"
    assert locs(caught) == [
        "parts[2].material",
        "parts[2].radius",
        "assets[twice.glb]",
        "assets[info-sign.glb]",
        "assets[../../etc/x.glb]",
    ]
    assert counts(sessions) == before
    assert blobs.size(asset_key(uploads.hashlib.sha256(sign_glb()).hexdigest())) is None


def test_a_template_that_does_not_parse_still_has_its_files_checked(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore
) -> None:
    with pytest.raises(TemplateError) as caught:
        upload(sessions, blobs, b"format: [unclosed\n", {"a.glb": b"glTF"})
    assert [item.loc.split(",")[0] for item in caught.value.items] == ["line 2", "assets[a.glb]"]
    with pytest.raises(TemplateError) as caught:
        upload(sessions, blobs, b"\xff\xfe not utf-8")
    [item] = caught.value.items
    assert item.msgid == loader.MSG_NOT_TEXT


def test_files_alone_wrong_is_an_asset_error(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore
) -> None:
    with pytest.raises(AssetError) as caught:
        upload(sessions, blobs, signs(), {"info-sgn.glb": sign_glb(), "extra.glb": sign_glb()})
    assert [(item.loc, item.msgid) for item in caught.value.items] == [
        ("assets[info-sign.glb]", uploads.MSG_ASSET_MISSING),
        ("assets[extra.glb]", uploads.MSG_ASSET_UNUSED),
        ("assets[info-sgn.glb]", uploads.MSG_ASSET_UNUSED_HINT),
    ]
    assert caught.value.items[0].message("en").startswith("parts[1].asset uses this file")


def test_a_component_past_the_size_limit_is_refused(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore
) -> None:
    sign = sign_glb()
    with (
        sessions.begin() as session,
        pytest.raises(AssetError) as caught,
    ):
        upload_template(
            session, blobs, signs(), {"info-sign.glb": sign}, author_id=None, max_asset_bytes=100
        )
    assert [(item.loc, item.msgid) for item in caught.value.items] == [
        ("assets[info-sign.glb]", uploads.MSG_FILE_TOO_BIG)
    ]


def test_reserved_parameter_names_and_huge_versions_are_refused(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore
) -> None:
    source = signs(10**9).decode().replace("  width:", "  lang: {type: text, default: x}\n  width:")
    with pytest.raises(TemplateError) as caught:
        upload(sessions, blobs, source.encode(), {"info-sign.glb": sign_glb()})
    assert locs(caught) == ["version", "params.lang"]


def test_a_template_that_cannot_build_at_its_defaults_is_refused(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore
) -> None:
    source = (
        signs()
        .decode()
        .replace("parts:", "checks:\n  - {assert: =width > 3, message: {en: Too narrow}}\nparts:")
    )
    before = counts(sessions)
    with pytest.raises(BuildError) as caught:
        upload(sessions, blobs, source.encode(), {"info-sign.glb": sign_glb()})
    assert caught.value.items[0].message("en") == "Too narrow"
    assert counts(sessions) == before


def test_two_uploads_of_one_version_at_once_cannot_both_win(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(sessions, blobs, signs(1), {"info-sign.glb": sign_glb()})
    # The other upload has checked the number and not yet written it: this one sees no version.
    monkeypatch.setattr(repo, "get_latest_template_version", lambda session, template_id: None)
    before = counts(sessions)
    with pytest.raises(ConflictError) as caught:
        upload(sessions, blobs, signs(1), {"info-sign.glb": sign_glb()})
    assert "give version 2" in caught.value.items[0].message("en")
    assert counts(sessions) == before


# --- reading -----------------------------------------------------------------------------------


def test_every_stored_template_is_listed_at_its_newest_version(
    sessions: sessionmaker[Session], blobs: MemoryBlobStore
) -> None:
    upload(sessions, blobs, signs(1), {"info-sign.glb": sign_glb()})
    upload(sessions, blobs, signs(2))
    with sessions() as session:
        infos = {info.template.id: info for info in service.list_template_infos(session)}
    assert set(infos) == {*builtin_template_paths(), "sign-post"}
    assert infos["sign-post"].template.version == 2
    assert infos["sign-post"].versions == (1, 2)
    assert infos["sign-post"].asset_names == ("info-sign.glb",)
    assert all(infos[i].builtin for i in builtin_template_paths())


def test_lookups_say_what_exists(sessions: sessionmaker[Session], blobs: MemoryBlobStore) -> None:
    upload(sessions, blobs, signs(1), {"info-sign.glb": sign_glb()})
    with sessions() as session:
        with pytest.raises(NotFoundError) as caught:
            service.template_info(session, "sign-post", 7)
        assert caught.value.describe("en") == (
            "version: template 'sign-post' has no version 7; its versions are 1"
        )
        with pytest.raises(NotFoundError) as caught:
            service.template_versions(session, "sign-pots")
        assert "did you mean 'sign-post'?" in caught.value.describe("en")
        with pytest.raises(NotFoundError):
            service.template_source(session, "nothing-like-it", 1)
        [version] = service.template_versions(session, "sign-post")
        assert (version.version, version.author_id) == (1, None)
        assert version.asset_names == ("info-sign.glb",)
        assert version.created_at.tzinfo is not None
