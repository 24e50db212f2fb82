"""``arservice campaign ...``: campaigns from the command line, on the server's own data.

    arservice campaign build --name "OmaStadi 2025 Itä" --idea kapylan-ulkokuntosali \\
        --idea myllypuron-koripallokentta [--lang fi,sv,en] [--size a4|a3] --out itä.zip

The database and blob store are those of ``ARSERVICE_DATA_DIR`` / ``ARSERVICE_DATABASE_URL``
(as ``arservice users``), so a campaign made here is the server's campaign, with the same codes.

Building a campaign that exists (the same name) reuses it: its codes stay (they may be printed
already), ideas not in it yet are added with new codes, and ``--lang`` / ``--size`` when given
replace its settings. So running the same command again makes the same zip, never new codes.
The zip holds every idea of the campaign, also ones added earlier by the API.

``--lang`` is the posters' languages here (as the issue names it), so this group does not take
``arservice.cli.lang_option``: messages follow ``ARSERVICE_LANG`` or ``--messages``. Errors are
one line each on stderr, exit status 1, and no zip is written (nor a campaign made when the
zip's folder does not exist).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import click
from sqlalchemy.orm import Session

from arservice.cli import _environment_settings, _reports_errors
from arservice.errors import ErrorItem, InputError
from arservice.services import campaign_bundle, campaigns
from arservice.services.campaign_bundle import MSG_CANNOT_WRITE, BundlePlan
from arservice.services.campaign_input import CampaignCreate, CampaignUpdate
from arservice.store.blobs import BlobStore
from arservice.store.db import make_engine, migrate, session_factory
from arservice.store.fonts import poster_fonts

messages_option = click.option(
    "--messages",
    "lang",
    envvar="ARSERVICE_LANG",
    default="en",
    show_default=True,
    help="Language of messages: fi, sv or en.",
)


@click.group()
def campaign() -> None:
    """Campaigns: QR codes and posters for a set of ideas."""


@campaign.command(name="build")
@click.option("--name", required=True, help="The campaign's name, printed on every poster.")
@click.option(
    "--idea", "ideas", multiple=True, metavar="SLUG", help="A published idea (repeat the option)."
)
@click.option(
    "--lang",
    "languages",
    default=None,
    metavar="fi,sv,en",
    help="The posters' languages in print order.  [default: fi,sv; a campaign's own when reused]",
)
@click.option("--size", default=None, help="Poster size: a4 or a3.  [default: a4]")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The zip to write (replaced when complete).",
)
@messages_option
@_reports_errors
def build(
    name: str, ideas: tuple[str, ...], languages: str | None, size: str | None, out: Path, lang: str
) -> None:
    """Create (or reuse) the campaign NAME with the ideas given, and write its zip: every code as
    SVG, PDF and PNG, every poster as PDF with a PNG preview, and index.csv."""
    if not out.parent.is_dir():
        reason = os.strerror(errno.ENOENT)
        raise InputError([ErrorItem("out", MSG_CANNOT_WRITE, {"path": str(out), "reason": reason})])
    settings = _environment_settings()
    blobs = settings.blob_store()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with session_factory(engine, write=True).begin() as session:
            slug, note = _campaign(session, name, list(ideas), _split(languages), size)
            plan = campaign_bundle.plan_bundle(session, blobs, slug)
    finally:
        engine.dispose()
    click.echo(note)
    _write(plan, blobs, out, settings.base_url)
    click.echo(f"{out}: {len(plan.items)} ideas, {len(plan.items) * 5 + 1} files")


@campaign.command(name="list")
@messages_option
@_reports_errors
def list_command(lang: str) -> None:
    """Every campaign: slug, poster size and languages, ideas, name."""
    settings = _environment_settings()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with session_factory(engine)() as session:
            for row in campaigns.list_campaigns(session):
                names = " / ".join(row.name.values())
                click.echo(
                    f"{row.slug}\t{row.poster_size}\t{','.join(row.languages)}\t"
                    f"{len(row.entries)} ideas\t{names}"
                )
    finally:
        engine.dispose()


def _campaign(
    session: Session, name: str, ideas: list[str], languages: list[str] | None, size: str | None
) -> tuple[str, str]:
    """The campaign's slug, made or reused, and a line saying which."""
    found = campaigns.find_campaign_by_name(session, name)
    if found is None:
        langs = languages if languages is not None else ["fi", "sv"]
        data = CampaignCreate(
            name={(langs or ["fi"])[0]: name},
            languages=langs,
            poster_size=size or "a4",
            ideas=ideas,
        )
        made = campaigns.create_campaign(session, data, actor_id=None)
        return made.slug, f"created campaign {made.slug} with {len(made.entries)} ideas"
    changes: dict[str, object] = {}
    if languages is not None:
        changes["languages"] = languages
    if size is not None:
        changes["poster_size"] = size
    if changes:
        update = CampaignUpdate.model_validate(changes)
        campaigns.update_campaign(session, found.slug, update, actor_id=None)
    present = {entry.idea.slug for entry in found.entries}
    new = [slug for slug in ideas if slug not in present]
    if new:
        campaigns.add_ideas(session, found.slug, new, actor_id=None)
    return found.slug, (
        f"reused campaign {found.slug}: {len(new)} ideas added, {len(found.entries)} in all"
    )


def _split(languages: str | None) -> list[str] | None:
    if languages is None:
        return None
    return [part.strip() for part in languages.split(",") if part.strip()]


def _write(plan: BundlePlan, blobs: BlobStore, out: Path, base_url: str) -> None:
    """Write the zip with a progress bar (shown on a terminal; a plain label elsewhere)."""
    with click.progressbar(length=len(plan.items), label="posters and codes") as bar:
        done_before = 0

        def progress(done: int, total: int) -> None:
            nonlocal done_before
            bar.update(done - done_before)
            done_before = done

        campaign_bundle.write_bundle(
            plan, blobs, out, base_url=base_url, fonts=poster_fonts(), progress=progress
        )
