"""``arservice campaign build``: on the server's data, reused by name, progress, clear errors,
no half-written zip; once through CliRunner and once as a real process."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from arservice.cli import main
from arservice.settings import Settings
from arservice.web import create_app
from arservice.web.context import app_context
from tests.services.test_campaign_bundle import decoded
from tests.support.environment import leaking_settings

GYM, COURT = "kapylan-ulkokuntosali", "myllypuron-koripallokentta"
BASE_URL = "https://ar.hel.fi"
ARSERVICE = str(Path(sys.executable).with_name("arservice"))  # the installed command


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory as the server leaves it: the demo ideas published, previews rendered."""
    for name in leaking_settings():
        monkeypatch.delenv(name)
    folder = tmp_path / "data"
    app = create_app(Settings(data_dir=folder, demo_ideas=True, secret_key="s" * 40))
    app_context(app).engine.dispose()  # the commands open their own
    monkeypatch.setenv("ARSERVICE_DATA_DIR", str(folder))
    monkeypatch.setenv("ARSERVICE_BASE_URL", BASE_URL)
    return folder


def index(path: Path) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as archive:
        return list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))


def build(*args: str) -> list[str]:
    return ["campaign", "build", "--name", "OmaStadi 2025 Itä", *args]


def test_build_writes_the_zip_and_a_second_run_reuses_the_codes(
    data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ita.zip"
    runner = CliRunner()
    first = runner.invoke(
        main, build("--idea", GYM, "--lang", "fi,sv,en", "--size", "a3", "--out", str(out))
    )
    assert first.exit_code == 0, first.output
    assert "created campaign omastadi-2025-ita with 1 ideas" in first.output
    rows = index(out)
    assert len(rows) == 5
    assert {row["kind"] for row in rows} >= {"poster-a3-pdf", "code-svg"}
    with zipfile.ZipFile(out) as archive:
        for row in rows:
            assert decoded(row["file"], archive.read(row["file"])) == [row["short_url"]]
    code = rows[0]["code"]
    second = runner.invoke(main, build("--idea", GYM, "--idea", COURT, "--out", str(out)))
    assert second.exit_code == 0, second.output
    assert "reused campaign omastadi-2025-ita: 1 ideas added, 2 in all" in second.output
    rows = index(out)
    assert len(rows) == 10
    assert rows[0]["code"] == code  # the printed code stays
    listed = runner.invoke(main, ["campaign", "list"])
    assert "omastadi-2025-ita\ta3\tfi,sv,en\t2 ideas\tOmaStadi 2025 Itä" in listed.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--idea", "no-such-idea"], "error: ideas[0]: there is no idea 'no-such-idea'"),
        ([], "error: ideas: a campaign needs at least one idea"),
        (["--idea", GYM, "--lang", "fi,de"], "error: languages[1]: 'de' is not a language"),
        (["--idea", GYM, "--size", "a5"], "error: poster_size: the poster size must be a4 or a3"),
    ],
)
def test_bad_input_is_one_line_each_and_no_zip(
    data_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "x.zip"
    result = CliRunner().invoke(main, [*build(*args, "--out", str(out)), "--messages", "en"])
    assert result.exit_code == 1
    assert result.output.startswith(message), result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_an_unwritable_out_is_a_clear_error(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "x.zip"
    result = CliRunner().invoke(main, build("--idea", GYM, "--out", str(out)))
    assert result.exit_code == 1
    assert result.output.startswith(f"error: out: cannot write {out}")
    assert not out.parent.exists()


def test_a_real_process_builds_the_zip(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "real.zip"
    command = [
        ARSERVICE,
        *build("--idea", GYM, "--idea", COURT, "--out", str(out)),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, env=os.environ.copy(), timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    assert f"{out}: 2 ideas, 11 files" in done.stdout
    assert [p.name for p in tmp_path.iterdir() if p.suffix != ""] == ["real.zip"]
    failed = subprocess.run(
        [
            ARSERVICE,
            *build("--idea", "nope", "--out", str(tmp_path / "n.zip")),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "ARSERVICE_LANG": "en"},
        timeout=600,
        check=False,
    )
    assert failed.returncode == 1
    assert failed.stderr == "error: ideas[0]: there is no idea 'nope'\n"
