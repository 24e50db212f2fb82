"""``arservice import``, run in-process on the server's database (ARSERVICE_DATA_DIR): a
Decidim import with its report and dry run, a CSV import, and errors on stderr with exit 1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from arservice import cli
from arservice.settings import Settings
from arservice.store.db import make_engine, session_factory
from arservice.store.models import Idea
from tests.support.decidim_server import DecidimServer, running_decidim


@pytest.fixture
def decidim() -> Iterator[DecidimServer]:
    with running_decidim() as server:
        yield server
        assert server.rejected == []


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"ARSERVICE_DATA_DIR": str(tmp_path), "ARSERVICE_LANG": "en"}


def slugs(tmp_path: Path) -> list[str]:
    engine = make_engine(Settings(data_dir=tmp_path).database_url)
    with session_factory(engine)() as session:
        found = sorted(session.scalars(select(Idea.slug)))
    engine.dispose()
    return found


def test_a_decidim_import_prints_its_report(
    decidim: DecidimServer, env: dict[str, str], tmp_path: Path
) -> None:
    args = ["import", "decidim", "--api", decidim.url, "--component", "10", "--winners-only"]
    dry = CliRunner().invoke(cli.main, [*args, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "4 created, 0 updated, 0 unchanged, 4 skipped" in dry.output
    assert "dry run: nothing was written" in dry.output
    assert slugs(tmp_path) == []
    real = CliRunner().invoke(cli.main, [*args, "--accountability", "12"], env=env)
    assert real.exit_code == 0, real.output
    assert "created   101        ulkokuntosali-kontulaan" in real.output
    assert "lukupiiri-kirjastoon  Reading circle" in real.output  # listed: no model
    assert len(slugs(tmp_path)) == 4
    again = CliRunner().invoke(cli.main, args, env=env)
    assert "0 created, 0 updated, 4 unchanged, 4 skipped" in again.output


def test_a_failing_site_is_one_error_line_and_exit_1(
    decidim: DecidimServer, env: dict[str, str], tmp_path: Path
) -> None:
    decidim.faults = ["html"]
    result = CliRunner().invoke(
        cli.main, ["import", "decidim", "--api", decidim.api, "--component", "10"], env=env
    )
    assert result.exit_code == 1
    assert "error: " in result.output
    assert "did not answer JSON" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "arservice.db").exists()  # the site is read before the database opens


def test_a_csv_import_and_its_bad_lines(env: dict[str, str], tmp_path: Path) -> None:
    good = tmp_path / "winners.csv"
    good.write_text("project_id;title_fi;selected\nk-1;Koira-aitaus Malmille;kyllä\n")
    result = CliRunner().invoke(cli.main, ["import", "csv", str(good)], env=env)
    assert result.exit_code == 0, result.output
    assert "[dog-park]" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("project_id,title_fi,selected\nk-2,Jotain,perhaps\n")
    result = CliRunner().invoke(cli.main, ["import", "csv", str(bad)], env=env)
    assert result.exit_code == 1
    assert "error: line 2.selected: must be yes or no (got 'perhaps')" in result.output


def test_a_bad_rules_file_names_the_rule(env: dict[str, str], tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("format: arservice/import-rules@1\nrules:\n  - {template: x}\n")
    data = tmp_path / "w.csv"
    data.write_text("project_id,title_fi\n1,A\n")
    result = CliRunner().invoke(
        cli.main, ["import", "csv", str(data), "--rules", str(rules)], env=env
    )
    assert result.exit_code == 1
    assert (
        "error: rules[0]: a rule needs at least one of category, scope, keywords" in result.output
    )
