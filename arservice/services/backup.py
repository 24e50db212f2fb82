"""Backup and restore of the embedded default: the SQLite database and the blob directory.

    report = make_backup(DataFiles(db, blobs), Path("backup-2025-05-01"))     # or ….tar
    report = restore_backup(Path("backup-2025-05-01"), DataFiles(db, blobs), force=False)

A backup is a folder (or an uncompressed tar of one)::

    manifest.json        format, version, time, and the sha256 and size of every file below
    arservice.db         the database, one consistent state (SQLite's online backup API)
    blobs/<key>          every blob: artifacts/…, uploads/…, template-assets/…, site/…

Consistent while the server is serving, because of the order: the database first, then the
blobs. Blobs are immutable and content-addressed, and the service writes a blob before it
commits a row that names it. So every blob the database copy names existed when the copy was
taken, and is still there (unchanged) when the blobs are copied after it. The other order could
miss a blob written between the two copies while keeping the row that names it. Blobs written
after the database copy are copied too (harmless: nothing names them yet). The backup checks its
own result: a named blob it could not find is reported.

Restore checks every file against the manifest (sha256 and size) before anything is replaced,
refuses a data location that holds anything unless ``force`` (then what was there is moved aside
into ``<data_dir>/replaced-<time>/``, never deleted), and puts the database and blobs in place by
renames. Stop the server first. The generated secret key is never in a backup (it would let
whoever holds the backup sign staff sessions): after a restore on a new machine, staff log in
again.

PostgreSQL and S3 are backed up by their own tools (docs/operations.md, Backups).
"""

from __future__ import annotations

import json
import sqlite3
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import make_url

from arservice import __version__
from arservice.errors import ArServiceError, InputError
from arservice.i18n import N_
from arservice.store import snapshot
from arservice.store.blobs import check_key

T = TypeVar("T")

FORMAT = "arservice-backup@1"
MANIFEST = "manifest.json"
DATABASE = "arservice.db"
BLOBS = "blobs"

MSG_NOT_SQLITE = N_(
    "backup and restore cover the embedded SQLite database; for {url} use pg_dump and the "
    "object store's versioning (docs/operations.md, Backups)"
)
MSG_NO_DATABASE = N_("there is no database at {path}: nothing to back up")
MSG_OUT_EXISTS = N_("{path} exists: give a new folder, or a new file ending in .tar")
MSG_NOT_A_BACKUP = N_("{path} is not an arservice backup: {reason}")
MSG_DAMAGED = N_("the backup is damaged: {file} {reason}; nothing was restored")
MSG_NOT_EMPTY = N_(
    "{path} already holds data: restore into an empty data directory, or add --force to "
    "replace it (what is there is moved aside, not deleted)"
)
MSG_CANNOT_WRITE = N_("cannot write {path}: {reason}")
MSG_CANNOT_READ = N_("cannot read {path}: {reason}")


class BackupError(ArServiceError):
    """The disk or SQLite failed while writing a backup or restoring one (code: backup_failed)."""

    code = "backup_failed"


@dataclass(frozen=True)
class DataFiles:
    """Where the embedded default keeps its data: the database file and the blob folder."""

    database: Path
    blobs: Path

    @classmethod
    def of(cls, database_url: str, data_dir: Path) -> DataFiles:
        """From the settings' values; InputError when the database is not a SQLite file."""
        url = make_url(database_url)
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            shown = url.render_as_string(hide_password=True)
            raise InputError.single("", MSG_NOT_SQLITE, url=shown)
        return cls(Path(url.database), data_dir / BLOBS)


@dataclass(frozen=True)
class BackupReport:
    path: Path
    database_bytes: int
    blobs: int
    blob_bytes: int
    missing: tuple[str, ...]
    """Blob keys the database names that were not in the blob folder (damage from before)."""


@dataclass(frozen=True)
class RestoreReport:
    database_bytes: int
    blobs: int
    blob_bytes: int
    moved_aside: Path | None


def make_backup(data: DataFiles, out: Path) -> BackupReport:
    """Back up ``data`` into the new folder ``out``, or the new tar file ``out`` when its name
    ends in ``.tar``; nothing at ``out`` until the backup is complete."""
    if out.exists():
        raise InputError.single("out", MSG_OUT_EXISTS, path=str(out))
    if not data.database.is_file():
        raise InputError.single("", MSG_NO_DATABASE, path=str(data.database))
    staging = _writing(out, lambda: snapshot.make_dir_beside(out, f".{out.name}.backup-"))
    try:
        report = _write_backup(data, staging)
        _writing(out, lambda: _publish(staging, out))
    finally:
        snapshot.remove_tree(staging)
    return BackupReport(out, *report)


def _write_backup(data: DataFiles, folder: Path) -> tuple[int, int, int, tuple[str, ...]]:
    files: list[dict[str, Any]] = []
    database = folder / DATABASE
    _writing(folder, lambda: snapshot.copy_sqlite(data.database, database))  # first: see above
    sha256, database_bytes = snapshot.file_digest(database)
    files.append({"path": DATABASE, "sha256": sha256, "size": database_bytes})
    blob_entries = _writing(folder, lambda: _copy_blobs(data.blobs, folder / BLOBS))
    files.extend(blob_entries)
    copied = {str(entry["path"]).removeprefix(f"{BLOBS}/") for entry in blob_entries}
    blob_bytes = sum(int(entry["size"]) for entry in blob_entries)
    missing = tuple(sorted(snapshot.named_blob_keys(database) - copied))
    manifest = {
        "format": FORMAT,
        "arservice_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": files,
    }
    text = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
    _writing(folder, lambda: snapshot.write_file(folder / MANIFEST, text))
    return database_bytes, len(copied), blob_bytes, missing


def _copy_blobs(root: Path, target: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for key, path in snapshot.blob_files(root):
        sha256, size = snapshot.copy_file(path, target / key)
        entries.append({"path": f"{BLOBS}/{key}", "sha256": sha256, "size": size})
    return entries


def _publish(staging: Path, out: Path) -> None:
    if out.suffix == ".tar":
        snapshot.write_tar(staging, out)
    else:
        snapshot.move(staging, out)


def restore_backup(source: Path, data: DataFiles, *, force: bool) -> RestoreReport:
    """Restore the backup ``source`` (a folder or a .tar) into ``data``; see the module's notes.
    Raises InputError for a damaged or foreign backup, or a data location in use without
    ``force``; nothing is changed then."""
    if not source.exists():
        raise InputError.single("from", MSG_CANNOT_READ, path=str(source), reason="not found")
    holds = [path for path in (data.database, data.blobs) if not snapshot.is_empty_dir(path)]
    if holds and not force:
        raise InputError.single("", MSG_NOT_EMPTY, path=str(data.database.parent))
    staging = _writing(data.database, lambda: snapshot.make_dir_beside(data.database, ".restore-"))
    try:
        folder = _unpacked(source, staging)
        files = _checked_files(source, folder)
        moved = _swap_in(folder, data, holds) if holds else None
        if moved is None:
            _writing(data.database, lambda: _move_in(folder, data))
    finally:
        snapshot.remove_tree(staging)
    blobs = [entry for entry in files if entry["path"] != DATABASE]
    return RestoreReport(
        database_bytes=next(e["size"] for e in files if e["path"] == DATABASE),
        blobs=len(blobs),
        blob_bytes=sum(entry["size"] for entry in blobs),
        moved_aside=moved,
    )


def _unpacked(source: Path, staging: Path) -> Path:
    """The backup's files in a folder: ``source`` itself, or the tar unpacked into ``staging``."""
    if source.is_dir():
        return source
    try:
        snapshot.extract_tar(source, staging)
    except (tarfile.TarError, OSError) as exc:
        raise InputError.single(
            "from", MSG_NOT_A_BACKUP, path=str(source), reason=str(exc)
        ) from None
    return staging


def _checked_files(source: Path, folder: Path) -> list[dict[str, Any]]:
    """The manifest's files, each checked: a safe name, present, the right size and sha256."""
    files = _manifest(source, folder)
    for entry in files:
        path = folder / entry["path"]
        try:
            sha256, size = snapshot.file_digest(path)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise InputError.single(
                "from", MSG_DAMAGED, file=entry["path"], reason=reason
            ) from None
        if size != entry["size"] or sha256 != entry["sha256"]:
            reason = f"does not match its sha256 in {MANIFEST}"
            raise InputError.single("from", MSG_DAMAGED, file=entry["path"], reason=reason)
    return files


def _manifest(source: Path, folder: Path) -> list[dict[str, Any]]:
    def refuse(reason: str) -> ArServiceError:
        return InputError.single("from", MSG_NOT_A_BACKUP, path=str(source), reason=reason)

    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise refuse(f"{MANIFEST}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise refuse(f"{MANIFEST} is not of the format {FORMAT}")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(_valid_entry(entry) for entry in files):
        raise refuse(f"{MANIFEST} lists a file wrongly")
    if sum(entry["path"] == DATABASE for entry in files) != 1:
        raise refuse(f"{MANIFEST} names no {DATABASE}")
    return files


def _valid_entry(entry: Any) -> bool:
    if not isinstance(entry, dict) or set(entry) != {"path", "sha256", "size"}:
        return False
    path, sha256, size = entry["path"], entry["sha256"], entry["size"]
    if not isinstance(path, str) or not isinstance(size, int) or size < 0:
        return False
    if not isinstance(sha256, str) or len(sha256) != 64 or set(sha256) - set("0123456789abcdef"):
        return False
    if path == DATABASE:
        return True
    try:
        return path.startswith(f"{BLOBS}/") and bool(check_key(path.removeprefix(f"{BLOBS}/")))
    except ValueError:
        return False


def _move_in(folder: Path, data: DataFiles) -> None:
    """Copy (the backup folder stays as it was) the checked files into their places."""
    for stale in _sidecars(data.database):
        stale.unlink(missing_ok=True)  # an old WAL beside a new database would corrupt it
    snapshot.copy_file(folder / DATABASE, data.database)
    if (folder / BLOBS).is_dir():
        for key, path in snapshot.blob_files(folder / BLOBS):
            snapshot.copy_file(path, data.blobs / key)


def _swap_in(folder: Path, data: DataFiles, holds: list[Path]) -> Path:
    """Move what is there aside into ``replaced-<time>/``, then move the backup in."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = data.database.parent / f"replaced-{stamp}"

    def swap() -> None:
        for path in [*holds, *_sidecars(data.database)]:
            if path.exists():
                snapshot.move(path, aside / path.name)
        _move_in(folder, data)

    _writing(data.database, swap)
    return aside


def _sidecars(database: Path) -> list[Path]:
    return [database.with_name(database.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _writing(place: Path, work: Callable[[], T]) -> T:
    """``work()``; a failure of the disk (full, read-only, gone) or of SQLite as BackupError."""
    try:
        return work()
    except (OSError, sqlite3.Error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BackupError.single("", MSG_CANNOT_WRITE, path=str(place), reason=reason) from None
