"""``arservice backup`` / ``restore`` on the embedded default: nothing is lost (ideas, users,
scan counts, artifacts byte for byte), also when the backup is taken while writes go on; a
damaged or foreign backup is refused before anything changes; data in place is replaced only
with --force, and then kept aside."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi import FastAPI

from arservice.cli import main
from arservice.services.backup import DataFiles, make_backup
from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.models import ArtifactKind, Platform, Role
from arservice.web import create_app
from tests.support.small_disk import SIZE, small_disk
from tests.web.conftest import STAFF_PASSWORD, TEST_SECRET, add_staff, client_for
from tests.web.test_ideas import IDEA, create, fetch_artifacts, publish

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def settings_for(data_dir: Path) -> Settings:
    """The embedded default on ``data_dir`` (SQLite also on a PostgreSQL test run)."""
    return Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'arservice.db'}",
        secret_key=TEST_SECRET,
        demo_ideas=True,
    )


def run(data_dir: Path, *args: str) -> Result:
    """The real command line on ``data_dir``'s data, as an operator runs it."""
    environment = {
        "ARSERVICE_DATA_DIR": str(data_dir),
        "ARSERVICE_DATABASE_URL": f"sqlite:///{data_dir / 'arservice.db'}",
    }
    return CliRunner().invoke(main, list(args), env=environment)


def everything(data_dir: Path) -> dict[str, Any]:
    """Every row of every table, and the sha256 of every blob: what must survive."""
    connection = sqlite3.connect(f"{(data_dir / 'arservice.db').as_uri()}?mode=ro", uri=True)
    try:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        rows = {
            table: sorted(map(repr, connection.execute(f'SELECT * FROM "{table}"')))
            for table in tables
        }
    finally:
        connection.close()
    blobs = {
        path.relative_to(data_dir / "blobs").as_posix(): hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
        for path in (data_dir / "blobs").rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }
    return {"rows": rows, "blobs": blobs}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[FastAPI]:
    """A server's data: demo ideas, one planner, a published idea of theirs, and scans."""
    app = create_app(settings_for(tmp_path / "data"))
    yield app
    app.state.context.engine.dispose()


async def fill(app: FastAPI) -> dict[str, Any]:
    planner = add_staff(app, Role.PLANNER)
    async with client_for(app) as client:
        created = await create(client, planner, IDEA)
        published = (await publish(client, planner, created["slug"])).json()
        context = app.state.context
        with context.transaction() as session:
            idea = repo.get_idea_by_slug(session, created["slug"])
            assert idea is not None
            code = repo.create_qr_code(session, target_idea_id=idea.id).code
        for agent in ["iPhone OS 17_5", "Android 14", "X11"] * 4:
            answer = await client.get(f"/q/{code}", headers={"User-Agent": agent})
            assert answer.status_code == 302
        context.flush_scans()
    return published


async def test_a_restored_backup_is_the_same_data_and_serves(
    served: FastAPI, tmp_path: Path
) -> None:
    published = await fill(served)
    data = tmp_path / "data"
    before = everything(data)
    assert sum(1 for key in before["blobs"] if key.startswith("artifacts/")) >= 6
    made = run(data, "backup", "--out", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    assert "backed up the database" in made.output

    restored = tmp_path / "restored"
    answer = run(restored, "restore", str(tmp_path / "backup"))
    assert answer.exit_code == 0, answer.output
    assert everything(restored) == before
    assert not (restored / "secret_key").exists()  # never in a backup

    app = create_app(settings_for(restored))
    async with client_for(app) as client:
        files = await fetch_artifacts(client, published["artifacts"])
        assert (
            hashlib.sha256(files[0]).hexdigest()
            == before["blobs"]["artifacts/" + published["artifacts"]["glb"][3:]]
        )
        login = await client.post(
            "/api/v1/auth/login", json={"email": "planner@example.org", "password": STAFF_PASSWORD}
        )
        assert login.status_code == 200
    app.state.context.engine.dispose()


async def test_a_backup_taken_while_writes_go_on_is_consistent_and_loses_nothing_before_it(
    served: FastAPI, tmp_path: Path
) -> None:
    await fill(served)
    context = served.state.context
    with context.reading() as session:
        code_id = repo.list_qr_codes(session)[0].id
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        """As the server does: a blob first, then the row that names it; and scans."""
        n = 0
        while not stop.is_set() or n < 20:
            data = f"model {n}".encode() * 5000
            sha256 = hashlib.sha256(data).hexdigest()
            context.blobs.put(f"artifacts/{sha256}.glb", data)
            with context.transaction() as session:
                repo.record_artifact(
                    session,
                    sha256=sha256,
                    kind=ArtifactKind.GLB,
                    blob_key=f"artifacts/{sha256}.glb",
                    size=len(data),
                    source={"n": n},
                )
            context.scans.record(code_id, Platform.IOS)
            context.flush_scans()
            n += 1
            written.append(n)

    writer = threading.Thread(target=write)
    before = everything(tmp_path / "data")
    writer.start()
    try:
        while len(written) < 3:  # the writes are under way before the backup starts
            threading.Event().wait(0.01)
        report = make_backup(
            DataFiles.of(context.settings.database_url, tmp_path / "data"), tmp_path / "live.tar"
        )
    finally:
        stop.set()
        writer.join()
    assert report.missing == ()

    restored = tmp_path / "restored"
    assert run(restored, "restore", str(tmp_path / "live.tar")).exit_code == 0
    after = everything(restored)
    connection = sqlite3.connect(restored / "arservice.db")
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        keys = [row[0] for row in connection.execute("SELECT blob_key FROM artifacts")]
        (scans,) = connection.execute("SELECT SUM(count) FROM scan_counts").fetchone()
    finally:
        connection.close()
    for key in keys:  # no row names a blob the backup lacks, and each blob is whole
        data = (restored / "blobs" / key).read_bytes()
        assert (
            hashlib.sha256(data).hexdigest() == key.removeprefix("artifacts/").split(".")[0]
            or key in before["blobs"]
        )
    for table, rows in before["rows"].items():  # what was there before the backup is all there
        if table not in {"scan_counts", "alembic_version"}:
            assert set(rows) <= set(after["rows"][table]), table
    assert scans >= 12 + 3
    assert len(keys) > len(before["rows"]["artifacts"])


async def test_a_tar_backup_restores_too_and_a_damaged_one_is_refused(
    served: FastAPI, tmp_path: Path
) -> None:
    await fill(served)
    data = tmp_path / "data"
    assert run(data, "backup", "--out", str(tmp_path / "b.tar")).exit_code == 0
    assert run(data, "backup", "--out", str(tmp_path / "b.tar")).exit_code == 1  # exists
    folder = tmp_path / "unpacked"
    with tarfile.open(tmp_path / "b.tar") as archive:
        archive.extractall(folder, filter="data")
    blob = next((folder / "blobs" / "artifacts").glob("*.glb"))
    blob.write_bytes(blob.read_bytes()[:-1] + b"!")
    answer = run(tmp_path / "new", "restore", str(folder))
    assert answer.exit_code == 1
    assert (
        f"the backup is damaged: blobs/artifacts/{blob.name} does not match its sha256"
        in answer.output
    )
    assert not (tmp_path / "new" / "arservice.db").exists()
    assert not any((tmp_path / "new").glob("blobs/**/*.glb"))

    good = tmp_path / "new2"
    assert run(good, "restore", str(tmp_path / "b.tar")).exit_code == 0
    assert everything(good) == everything(data)


def manifest_of(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "manifest.json").read_text()))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda m: m.update(format="something-else@1"), "is not of the format"),
        (
            lambda m: m["files"].append(
                {"path": "blobs/../../etc/passwd", "sha256": "0" * 64, "size": 1}
            ),
            "lists a file wrongly",
        ),
        (
            lambda m: m["files"].append({"path": "secret_key", "sha256": "0" * 64, "size": 1}),
            "lists a file wrongly",
        ),
        (
            lambda m: m.update(files=[f for f in m["files"] if f["path"] != "arservice.db"]),
            "names no arservice.db",
        ),
        (
            lambda m: m["files"].append(
                {"path": "blobs/artifacts/x.glb", "sha256": "0" * 64, "size": 1}
            ),
            "blobs/artifacts/x.glb No such file",
        ),
    ],
)
def test_a_foreign_or_tampered_manifest_is_refused(tmp_path: Path, change: Any, words: str) -> None:
    data = tmp_path / "data"
    create_app(settings_for(data)).state.context.engine.dispose()
    assert run(data, "backup", "--out", str(tmp_path / "b")).exit_code == 0
    manifest = manifest_of(tmp_path / "b")
    change(manifest)
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(manifest))
    answer = run(tmp_path / "new", "restore", str(tmp_path / "b"))
    assert answer.exit_code == 1
    assert words in answer.output
    assert "Traceback" not in answer.output
    assert not (tmp_path / "new" / "arservice.db").exists()


def test_not_a_backup_at_all_is_refused(tmp_path: Path) -> None:
    (tmp_path / "junk.tar").write_bytes(b"not a tar at all")
    (tmp_path / "folder").mkdir()
    for source in ("junk.tar", "folder", "missing"):
        answer = run(tmp_path / "new", "restore", str(tmp_path / source))
        assert answer.exit_code == 1
        assert answer.output.startswith("error: "), answer.output


def test_restore_over_data_needs_force_and_keeps_the_old_data_aside(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    create_app(settings_for(first)).state.context.engine.dispose()
    assert run(first, "backup", "--out", str(tmp_path / "b")).exit_code == 0
    app = create_app(settings_for(second))
    add_staff(app, Role.ADMIN, "only-in-second@example.org")
    app.state.context.engine.dispose()
    old = everything(second)

    refused = run(second, "restore", str(tmp_path / "b"))
    assert refused.exit_code == 1
    assert "already holds data" in refused.output
    assert "--force" in refused.output
    assert everything(second) == old

    forced = run(second, "restore", "--force", str(tmp_path / "b"))
    assert forced.exit_code == 0, forced.output
    assert not (second / "arservice.db-wal").exists()  # the old log would corrupt the new file
    assert everything(second) == everything(first)
    aside = next(second.glob("replaced-*"))
    assert f"now in {aside}" in forced.output
    assert everything(aside) == old


def test_postgresql_and_buckets_are_sent_to_their_own_tools(tmp_path: Path) -> None:
    environment = {
        "ARSERVICE_DATA_DIR": str(tmp_path),
        "ARSERVICE_DATABASE_URL": "postgresql+psycopg://app:hunter2@db/arservice",
    }
    answer = CliRunner().invoke(main, ["backup", "--out", str(tmp_path / "b")], env=environment)
    assert answer.exit_code == 1
    assert "use pg_dump" in answer.output
    assert "hunter2" not in answer.output
    environment = {"ARSERVICE_DATA_DIR": str(tmp_path), "ARSERVICE_S3_BUCKET": "city-models"}
    answer = CliRunner().invoke(main, ["restore", str(tmp_path)], env=environment)
    assert answer.exit_code == 1
    assert "the blobs are in the bucket city-models" in answer.output


def test_a_backup_onto_a_full_disk_fails_clearly_and_leaves_nothing(
    served: FastAPI, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    assert sum(p.stat().st_size for p in (data / "blobs").rglob("*") if p.is_file()) > SIZE
    with small_disk(tmp_path / "disk") as disk:
        for out in ("backup", "backup.tar"):
            answer = run(data, "backup", "--out", str(disk / out))
            assert answer.exit_code == 1
            assert answer.output.startswith("error: cannot write")
            assert "No space left on device" in answer.output
            assert list(disk.iterdir()) == []  # no backup that looks whole, no temporary file
