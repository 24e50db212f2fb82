"""``arservice import ...``: winning projects as draft ideas, on the server's own database.

    arservice import decidim --api https://omastadi.hel.fi/api --component 42 [--budget 7]
                             [--accountability 43] [--winners-only] [--rules FILE] [--dry-run]
    arservice import csv FILE [--winners-only] [--rules FILE] [--dry-run]

The database and blob store are those of ``arservice serve`` (ARSERVICE_DATA_DIR /
ARSERVICE_DATABASE_URL). The whole source is read first, with a progress bar, and written in
one transaction afterwards, so an interrupted or failed import changes nothing. ``--dry-run``
prints the same report and writes nothing. Without ``--rules`` the rules saved in the staff UI
are used, else the shipped ones (``assets/import/rules.yaml``). Problems go to stderr as
``error: LOC: message`` with exit status 1. docs/import.md has the details.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from arservice import cli
from arservice.cli import _environment_settings, _reports_errors
from arservice.errors import InputError
from arservice.i18n import N_, pick_text, translate
from arservice.pb.rules import Rule, parse_rules
from arservice.services.pb_import import ImportReport, import_projects
from arservice.services.pb_import_rules import load_rules
from arservice.services.pb_import_sources import DecidimRequest, Reader, read_csv, read_decidim
from arservice.services.templates import sync_builtin_templates
from arservice.settings import Settings
from arservice.store.db import make_engine, migrate, session_factory

lang_option = cli.lang_option

MSG_CANNOT_READ = N_("cannot read {path}: {reason}")
MSG_DRY_RUN = N_("dry run: nothing was written")
MSG_UNMAPPED = N_("without a model (no rule matched; a planner chooses one):")

rules_option = click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A mapping rules file (YAML); default: the saved rules, else the shipped ones.",
)
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Report what would change; write nothing."
)
winners_option = click.option(
    "--winners-only", is_flag=True, help="Import only the projects that won the vote."
)


@click.group(name="import")
def import_group() -> None:
    """Import winning projects as draft ideas."""


@import_group.command(name="decidim")
@click.option(
    "--api", required=True, help="The Decidim site or its API, e.g. https://omastadi.hel.fi/api."
)
@click.option("--component", required=True, help="The Budgets component id (the number after /f/).")
@click.option("--budget", help="One budget of the component (default: all of them).")
@click.option("--accountability", help="An Accountability component id: stages and locations.")
@winners_option
@rules_option
@dry_run_option
@lang_option
@_reports_errors
def import_decidim(
    api: str,
    component: str,
    budget: str | None,
    accountability: str | None,
    winners_only: bool,
    rules_path: Path | None,
    dry_run: bool,
    lang: str,
) -> None:
    """Import the projects of a Decidim Budgets component."""
    settings = _environment_settings()
    rules = _rules_file(rules_path)
    request = DecidimRequest(api, component, budget, accountability, winners_only)
    with click.progressbar(length=1, label="Decidim", file=sys.stderr) as bar:

        def progress(step: str, done: int, total: int) -> None:
            extra = 1 if accountability else 0
            bar.length = total + extra if step == "budgets" else bar.length
            bar.label = f"Decidim: {step}"
            bar.update(1)

        found = read_decidim(request, Reader(allow_private=True), progress)
    click.echo(f"read {len(found.projects)} projects in {found.requests} requests", err=True)
    source = request.describe()
    report = _import(settings, found.projects, rules, winners_only, dry_run, source)
    _print_report(report, lang)


@import_group.command(name="csv")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@winners_option
@rules_option
@dry_run_option
@lang_option
@_reports_errors
def import_csv(
    path: Path, winners_only: bool, rules_path: Path | None, dry_run: bool, lang: str
) -> None:
    """Import the projects of a CSV file (columns: docs/import.md)."""
    settings = _environment_settings()
    rules = _rules_file(rules_path)
    projects = read_csv(_read(path))
    source = {"kind": "csv", "file": path.name, "winners_only": winners_only}
    report = _import(settings, projects, rules, winners_only, dry_run, source)
    _print_report(report, lang)


def _import(
    settings: Settings,
    projects: list[Any],
    rules: list[Rule] | None,
    winners_only: bool,
    dry_run: bool,
    source: dict[str, Any],
) -> ImportReport:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    blobs = settings.blob_store()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with session_factory(engine, write=True).begin() as session:
            sync_builtin_templates(session)
            chosen = rules if rules is not None else load_rules(session, blobs).rules
            return import_projects(
                session,
                blobs,
                projects,
                chosen,
                actor_id=None,
                winners_only=winners_only,
                dry_run=dry_run,
                source=source,
            )
    finally:
        engine.dispose()


def _rules_file(path: Path | None) -> list[Rule] | None:
    return None if path is None else parse_rules(_read(path))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError.single("", MSG_CANNOT_READ, path=str(path), reason=reason) from None


def _print_report(report: ImportReport, lang: str) -> None:
    for item in report.items:
        title = pick_text(item.title, lang) or item.project_id
        line = f"{item.result:<9} {item.project_id:<10} {item.slug or '-':<32} {title}"
        if item.template:
            line += f"  [{item.template}]"
        click.echo(line)
        reason = item.reason_text(lang)
        if reason:
            click.echo(f"          {reason}")
    counts = report.counts()
    click.echo(", ".join(f"{counts[name]} {name}" for name in counts))
    unmapped = report.unmapped()
    if unmapped:
        click.echo(translate(lang, MSG_UNMAPPED))
        for item in unmapped:
            click.echo(f"  {item.slug}  {pick_text(item.title, lang)}")
    if report.dry_run:
        click.echo(translate(lang, MSG_DRY_RUN))
