"""File work for backups: a consistent copy of a live SQLite database, copies that are hashed as
they are written, and tar archives read without trusting their names.

    copy_sqlite(live_db, target)               # SQLite's online backup API: one consistent state
    sha256, size = copy_file(source, target)   # fsynced, hashed on the way
    for key, path in blob_files(blob_root): ...

Every writer here writes a temporary file beside its target and renames it into place only when
complete, so an interrupted backup or restore leaves no file that looks whole and is not.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from arservice.store.blobs import check_key

CHUNK = 1024 * 1024


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy the database ``source`` into the new file ``target`` with SQLite's online backup API.

    The copy is one consistent state of the database, also while the server writes to it: the
    backup reads inside one read transaction (in WAL mode writers go on meanwhile and are simply
    not in the copy). ``source`` must exist: it is opened ``mode=rw``, which never creates a
    file. Raises sqlite3.Error or OSError.
    """
    live = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True)
    try:
        temporary = _temporary(target)
        try:
            copy = sqlite3.connect(temporary)
            try:
                live.backup(copy)
                (result,) = copy.execute("PRAGMA quick_check").fetchone()
                if result != "ok":
                    raise sqlite3.DatabaseError(f"the copy fails SQLite's check: {result}")
            finally:
                copy.close()
            _fsync(temporary)
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    finally:
        live.close()


def named_blob_keys(database: Path) -> set[str]:
    """Every blob key the database ``database`` (a copy, never the live one) names."""
    queries = (
        "SELECT blob_key FROM artifacts",
        "SELECT blob_key FROM template_assets",
        "SELECT blob_key FROM site_assets",
        "SELECT uploaded_glb_key FROM ideas WHERE uploaded_glb_key IS NOT NULL",
    )
    connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {str(row[0]) for query in queries for row in connection.execute(query)}
    finally:
        connection.close()


def blob_files(root: Path) -> Iterator[tuple[str, Path]]:
    """The blobs under ``root`` as (key, file), sorted; a writer's temporary files (``.tmp-…``)
    and anything else that is not a blob key are left out."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        key = path.relative_to(root).as_posix()
        try:
            check_key(key)
        except ValueError:
            continue
        yield key, path


def copy_file(source: Path, target: Path) -> tuple[str, int]:
    """Copy ``source`` to ``target`` (folders made, fsynced, renamed into place); the sha256 and
    size of the bytes written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary(target)
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as reader, temporary.open("wb") as writer:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def file_digest(path: Path) -> tuple[str, int]:
    """The sha256 and size of ``path``'s bytes."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def write_file(path: Path, data: bytes) -> None:
    """``data`` into ``path``, atomically."""
    temporary = _temporary(path)
    try:
        temporary.write_bytes(data)
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_tar(folder: Path, out: Path) -> None:
    """The files of ``folder`` as the uncompressed tar ``out`` (models and images hardly
    compress), names relative to ``folder``; atomically."""
    temporary = _temporary(out)
    try:
        with tarfile.open(temporary, "w", format=tarfile.PAX_FORMAT) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=path.relative_to(folder).as_posix())
        _fsync(temporary)
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def extract_tar(archive_path: Path, folder: Path) -> None:
    """Unpack the tar ``archive_path`` into the empty ``folder``: regular files only, each inside
    ``folder`` (tarfile's "data" filter refuses links, devices, absolute names and ``..``).
    Raises tarfile.TarError or OSError."""
    with tarfile.open(archive_path, "r:*") as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
        archive.extractall(folder, members=members, filter="data")


def is_empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def make_dir_beside(path: Path, prefix: str) -> Path:
    """A new empty folder in ``path``'s folder (the same file system, so renames are atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=path.parent, prefix=prefix))


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def _temporary(target: Path) -> Path:
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    return Path(name)


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
