"""``arservice backup`` / ``arservice restore``: the embedded default's data, safely copied.

    arservice backup --out /backups/arservice-2025-05-01          # a folder
    arservice backup --out /backups/arservice-2025-05-01.tar      # or one tar file
    arservice restore /backups/arservice-2025-05-01.tar [--force]

The data is that of ``ARSERVICE_DATA_DIR`` / ``ARSERVICE_DATABASE_URL`` (as ``arservice users``).
A backup may be taken while the server serves; stop the server before a restore. What a backup
holds, why it is consistent, and what restore checks: arservice/services/backup.py. PostgreSQL
and an S3 bucket are backed up by their own tools (docs/operations.md, Backups): these commands
refuse them with that advice.

Errors are one line each on stderr, exit status 1, and nothing half-written is left.
"""

from __future__ import annotations

from pathlib import Path

import click

from arservice.cli import _environment_settings, _reports_errors, lang_option
from arservice.errors import InputError
from arservice.i18n import N_
from arservice.services.backup import DataFiles, make_backup, restore_backup
from arservice.settings import Settings

MSG_BLOBS_IN_BUCKET = N_(
    "the blobs are in the bucket {bucket}: back it up with the object store's versioning, and "
    "the database with its own tools (docs/operations.md, Backups)"
)


def _data_files(settings: Settings) -> DataFiles:
    if settings.s3_bucket is not None:
        raise InputError.single("", MSG_BLOBS_IN_BUCKET, bucket=settings.s3_bucket)
    return DataFiles.of(settings.database_url, settings.data_dir)


@click.command()
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="The backup to make: a new folder, or a new file ending in .tar.",
)
@lang_option
@_reports_errors
def backup(out: Path, lang: str) -> None:
    """Back up the database and every blob into OUT, with a manifest of their sha256 sums
    (safe while the server is serving)."""
    report = make_backup(_data_files(_environment_settings()), out)
    click.echo(
        f"arservice: backed up the database ({report.database_bytes:,} bytes) and "
        f"{report.blobs:,} blobs ({report.blob_bytes:,} bytes) to {report.path}"
    )
    for key in report.missing:
        click.echo(f"warning: the database names the blob {key}, which was not there", err=True)


@click.command()
@click.argument("source", metavar="FROM", type=click.Path(path_type=Path))
@click.option(
    "--force", is_flag=True, help="Replace existing data (it is moved aside, not deleted)."
)
@lang_option
@_reports_errors
def restore(source: Path, force: bool, lang: str) -> None:
    """Restore the backup FROM (a folder or a .tar made by `arservice backup`) after checking
    every file against its manifest. Stop the server first."""
    report = restore_backup(source, _data_files(_environment_settings()), force=force)
    if report.moved_aside is not None:
        click.echo(f"arservice: the data that was there is now in {report.moved_aside}")
    click.echo(
        f"arservice: restored the database ({report.database_bytes:,} bytes) and "
        f"{report.blobs:,} blobs ({report.blob_bytes:,} bytes); start the server to use them"
    )
