"""The ``arservice`` command line, run for real: in-process through click's ``CliRunner`` and,
for the console script itself, as a subprocess.

The CLI's promise (``arservice/cli.py``): problems go to stderr as ``error: LOC: message``, one
per line, the exit status is 1, no traceback is shown, and a failed build writes no file.
The tests use their own templates (``tests/data/good``, ``tests/data/bad``), not the built-ins.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from ruamel.yaml import YAML

from arservice import cli
from arservice.services import accounts
from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.builtin import builtin_template_paths
from arservice.store.db import make_engine, session_factory

DATA = Path(__file__).resolve().parent / "data"
GOOD = DATA / "good" / "gym.yaml"
BAD = DATA / "bad"
ARSERVICE = Path(sys.executable).parent / "arservice"

CHECK_FI = "error: line 22: checks[0]: Tanko on liian korkea: enintään 2,5 m"
CHECK_SV = "error: line 22: checks[0]: Stången är för hög: högst 2,5 m"
CHECK_EN = "error: line 22: checks[0]: The bar is too high: at most 2.5 m"


@pytest.fixture
def runner() -> CliRunner:
    """A runner whose environment does not choose the language (``ARSERVICE_LANG`` unset)."""
    return CliRunner(env={"ARSERVICE_LANG": None})


def run(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(cli.main, [str(arg) for arg in args])


def assert_refused(result: Result) -> list[str]:
    """Exit 1, every stderr line an ``error:`` line, no traceback; returns those lines."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit), f"escaped: {result.exception!r}"
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines, "nothing on stderr"
    assert all(line.startswith("error: ") for line in lines), lines
    return lines


def assert_succeeded(result: Result) -> None:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    assert result.exception is None
    assert result.stderr == ""


# -- templates -------------------------------------------------------------------------------


def test_templates_lists_every_builtin_template_id(runner: CliRunner) -> None:
    result = run(runner, "templates")
    assert_succeeded(result)
    headings = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert [line.split(" ")[0] for line in headings] == list(builtin_template_paths())


def test_templates_lists_each_template_with_its_parameters(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "builtin_template_paths", lambda: {"test-gym": GOOD})
    result = run(runner, "templates")
    assert_succeeded(result)
    lines = result.stdout.splitlines()
    assert lines[0] == "test-gym (version 1): Outdoor gym"
    stations = next(line for line in lines if line.strip().startswith("stations"))
    assert stations.split()[:5] == ["stations", "integer", "default", "3", "1..8"]
    assert stations.endswith("Stations")
    surface = next(line for line in lines if line.strip().startswith("surface"))
    assert "rubber|grass|woodchip" in surface


def test_templates_shows_titles_and_labels_in_the_requested_language(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "builtin_template_paths", lambda: {"test-gym": GOOD})
    result = run(runner, "templates", "--lang", "fi")
    assert_succeeded(result)
    assert result.stdout.splitlines()[0] == "test-gym (version 1): Ulkokuntosali"
    assert "Tangon korkeus" in result.stdout


def test_templates_reports_a_broken_template_without_a_traceback(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = {"test-gym": GOOD, "broken": BAD / "unknown-shape.yaml"}
    monkeypatch.setattr(cli, "builtin_template_paths", lambda: broken)
    lines = assert_refused(run(runner, "templates"))
    assert any("parts[0].shape: unknown shape 'cylindr'" in line for line in lines), lines


# -- check -----------------------------------------------------------------------------------


def test_check_of_a_good_template_prints_ok(runner: CliRunner) -> None:
    result = run(runner, "check", GOOD)
    assert_succeeded(result)
    assert result.stdout.startswith("ok: test-gym version 1: ")
    assert "triangles" in result.stdout


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unknown-shape.yaml", "error: line 8: parts[0].shape: unknown shape 'cylindr'; did you"),
        ("yaml-syntax-error.yaml", "error: line 6, column 10: the file is not valid YAML"),
        ("top-level-list.yaml", "error: a template must be a mapping of keys to values"),
        ("huge-power-in-let.yaml", "error: line 10: let.big: the number 10000000000 is too large"),
        ("repeat-count-expression-5000.yaml", "error: line 11: parts[0].repeat.count: must give"),
        ("nested-repeats-node-limit.yaml", "error: line 11: components.row[0]: the model has more"),
        ("json-unknown-material.json", "error: line 8: parts[1].material: there is no material"),
        ("option-label-not-an-option.yaml", "error: line 15: params.surface.option_labels.gras:"),
    ],
)
def test_check_of_a_bad_template_prints_the_problem_with_its_place(
    runner: CliRunner, name: str, expected: str
) -> None:
    result = run(runner, "check", BAD / name)
    lines = assert_refused(result)
    assert any(line.startswith(expected) for line in lines), lines
    assert result.stdout == ""


def test_check_prints_every_problem_of_a_template_one_per_line(runner: CliRunner) -> None:
    path = BAD / "many-errors-semantic.yaml"
    expected = [
        line.removeprefix("# expect: ").replace(" | ", ": ", 1)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# expect: ")
    ]
    lines = assert_refused(run(runner, "check", path))
    assert len(lines) == len(expected) == 16
    text = path.read_text(encoding="utf-8").splitlines()
    for wanted in expected:
        found = [line for line in lines if re.match(rf"error: line \d+: {re.escape(wanted)}", line)]
        assert len(found) == 1, (wanted, lines)
        # The line named is the one that holds the place: its last key, or a list item.
        number, loc = re.match(r"error: line (\d+): ([^:]+):", found[0]).groups()  # type: ignore[union-attr]
        last = re.findall(r"[A-Za-z_]\w*|\[\d+\]", loc)[-1]
        source = text[int(number) - 1]
        assert (f"{last}:" in source) if last[0] != "[" else ("- " in source or "[" in source), (
            loc,
            source,
        )


def test_a_problem_with_parameter_values_names_no_line(runner: CliRunner) -> None:
    """A value given with --set is not in the template: its problem has no line."""
    lines = assert_refused(run(runner, "check", GOOD, "--set", "stations=99"))
    assert lines == ["error: stations: must be at most 8 (got '99')"]


def test_check_of_a_file_that_is_not_utf8_says_so(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GOOD.read_bytes().replace(b"Ulkokuntosali", "Café".encode("cp1252")))
    assert assert_refused(run(runner, "check", path)) == ["error: the template must be UTF-8 text"]


def test_check_of_a_missing_file_names_it(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    lines = assert_refused(run(runner, "check", missing))
    assert lines[0].startswith(f"error: '{missing}' is neither a template file nor a built-in")


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--lang", "fi"], {}, CHECK_FI),
        (["--lang", "sv"], {}, CHECK_SV),
        (["--lang", "en"], {}, CHECK_EN),
        ([], {}, CHECK_EN),
        ([], {"ARSERVICE_LANG": "fi"}, CHECK_FI),
    ],
    ids=["fi", "sv", "en", "default-en", "env-fi"],
)
def test_check_shows_a_failing_check_in_the_requested_language(
    args: list[str], env: dict[str, str], expected: str
) -> None:
    runner = CliRunner(env={"ARSERVICE_LANG": None, **env})
    result = run(runner, "check", GOOD, "--set", "bar_height=2.6", *args)
    assert assert_refused(result) == [expected]


# -- build -----------------------------------------------------------------------------------


def test_build_writes_a_glb_and_prints_its_size(runner: CliRunner, tmp_path: Path) -> None:
    output = tmp_path / "gym.glb"
    result = run(runner, "build", GOOD, "-o", output)
    assert_succeeded(result)
    data = output.read_bytes()
    assert data[:4] == b"glTF"
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{output}: {len(data):,} bytes, ")
    assert lines[1] == "An outdoor gym with 3 pull-up stations on a 6.2 m wide rubber pad."
    assert sorted(tmp_path.iterdir()) == [output]


def test_build_uses_the_values_set_and_the_requested_language(
    runner: CliRunner, tmp_path: Path
) -> None:
    output = tmp_path / "gym.glb"
    result = run(runner, "build", GOOD, "--set", "stations=5", "-o", output, "--lang", "fi")
    assert_succeeded(result)
    assert output.read_bytes()[:4] == b"glTF"
    assert "jossa on 5 leuanvetoasemaa 9 m leveällä" in result.stdout


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("stations=12", "error: stations: must be at most 8 (got '12')"),
        ("stations=three", "error: stations: must be a whole number (got 'three')"),
        ("statons=3", "error: statons: unknown parameter 'statons'; did you mean 'stations'?"),
        ("surface=lava", "error: surface: must be one of rubber, grass, woodchip (got 'lava')"),
        ("novalue", "error: --set takes key=value (got 'novalue')"),
        ("bar_height=2.6", CHECK_EN),
    ],
    ids=["out-of-range", "wrong-type", "unknown-name", "not-an-option", "malformed", "check"],
)
def test_build_with_a_bad_value_fails_and_writes_nothing(
    runner: CliRunner, tmp_path: Path, setting: str, expected: str
) -> None:
    output = tmp_path / "gym.glb"
    result = run(runner, "build", GOOD, "--set", setting, "-o", output)
    assert assert_refused(result) == [expected]
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == [], "no output file and no temporary file"


def test_build_into_a_missing_directory_fails_with_a_clear_message(
    runner: CliRunner, tmp_path: Path
) -> None:
    output = tmp_path / "missing" / "gym.glb"
    lines = assert_refused(run(runner, "build", GOOD, "-o", output))
    assert len(lines) == 1
    assert lines[0].startswith(f"error: cannot write {output}: ")
    assert not output.parent.exists()
    assert list(tmp_path.iterdir()) == []


def test_build_of_a_bad_template_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    output = tmp_path / "model.glb"
    lines = assert_refused(
        run(runner, "build", BAD / "nested-repeats-node-limit.yaml", "-o", output)
    )
    assert lines == [
        "error: line 11: components.row[0]: the model has more than 5000 parts after repeats; "
        "lower the repeat counts"
    ]
    assert list(tmp_path.iterdir()) == []


# -- schema ----------------------------------------------------------------------------------


def test_schema_prints_a_valid_json_schema_with_its_id(runner: CliRunner) -> None:
    result = run(runner, "schema")
    assert_succeeded(result)
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].startswith("https://")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_accepts_the_good_template_and_refuses_a_part_with_shape_and_use(
    runner: CliRunner,
) -> None:
    validator = jsonschema.Draft202012Validator(json.loads(run(runner, "schema").stdout))
    yaml = YAML(typ="safe", pure=True)
    validator.validate(yaml.load(GOOD.read_text(encoding="utf-8")))
    bad = yaml.load((BAD / "shape-and-use.yaml").read_text(encoding="utf-8"))
    assert not validator.is_valid(bad)


def test_schema_writes_the_same_text_to_a_file(runner: CliRunner, tmp_path: Path) -> None:
    output = tmp_path / "template-v1.json"
    assert_succeeded(run(runner, "schema", "-o", output))
    assert output.read_text(encoding="utf-8") == run(runner, "schema").stdout
    assert sorted(tmp_path.iterdir()) == [output]


# -- the console script, as a planner runs it -------------------------------------------------


def run_script(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "ARSERVICE_LANG"}
    return subprocess.run(
        [str(ARSERVICE), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,  # a safety net against a hang, not a measurement
        check=False,
    )


def test_console_script_checks_a_good_template(tmp_path: Path) -> None:
    done = run_script("check", GOOD, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("ok: test-gym version 1: ")


def test_console_script_reports_a_bad_template_without_a_traceback(tmp_path: Path) -> None:
    done = run_script("check", BAD / "many-errors-mixed.yaml", "--lang", "fi", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines
    assert all(line.startswith("error: ") for line in lines), lines
    assert "error: line 14: parts[0].size: " in done.stderr


def test_console_script_builds_a_glb(tmp_path: Path) -> None:
    done = run_script("build", GOOD, "--set", "stations=2", "-o", "gym.glb", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    data = (tmp_path / "gym.glb").read_bytes()
    assert data[:4] == b"glTF"
    assert done.stdout.startswith(f"gym.glb: {len(data):,} bytes, ")


def test_console_script_build_with_a_malformed_value_writes_nothing(tmp_path: Path) -> None:
    done = run_script("build", GOOD, "--set", "novalue", "-o", "gym.glb", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == "error: --set takes key=value (got 'novalue')\n"
    assert list(tmp_path.iterdir()) == []


# --- staff accounts and the database -----------------------------------------------------------


@pytest.fixture
def data_runner(tmp_path: Path) -> CliRunner:
    """A runner whose ARSERVICE_DATA_DIR is a fresh directory."""
    return CliRunner(env={"ARSERVICE_LANG": None, "ARSERVICE_DATA_DIR": str(tmp_path / "data")})


def create_user(runner: CliRunner, email: str, role: str, password: str) -> Result:
    return runner.invoke(
        cli.main,
        ["users", "create", "--email", email, "--name", "Test", "--role", role, "--password-stdin"],
        input=password + "\n",
    )


def test_users_create_makes_the_first_admin_who_can_log_in(
    data_runner: CliRunner, tmp_path: Path
) -> None:
    result = create_user(data_runner, "Admin@Hel.fi", "admin", "a long admin password")
    assert_succeeded(result)
    assert result.stdout.strip() == "created admin admin@hel.fi (id 1)"
    listing = data_runner.invoke(cli.main, ["users", "list"])
    assert_succeeded(listing)
    assert listing.stdout.strip().split("\t") == ["1", "admin@hel.fi", "admin", "active"]
    engine = make_engine(Settings(data_dir=tmp_path / "data").database_url)
    with session_factory(engine)() as session:
        user = accounts.check_login(session, "admin@hel.fi", "a long admin password")
        assert user is not None
        entry = repo.list_audit(session, action="user.create")[0]
        assert entry.actor_id is None
    engine.dispose()


def test_users_create_refuses_a_short_password_and_a_taken_email(
    data_runner: CliRunner,
) -> None:
    lines = assert_refused(create_user(data_runner, "a@hel.fi", "admin", "short"))
    assert lines == ["error: password: must have at least 12 characters (it has 5)"]
    assert_succeeded(create_user(data_runner, "a@hel.fi", "admin", "a long admin password"))
    lines = assert_refused(create_user(data_runner, "A@HEL.FI", "planner", "another password!"))
    assert lines == ["error: email: another user has the email a@hel.fi"]


def test_users_create_refuses_an_unknown_role(data_runner: CliRunner) -> None:
    result = create_user(data_runner, "a@hel.fi", "root", "a long admin password")
    assert result.exit_code == 2
    assert "'root' is not one of 'admin', 'planner', 'comms'" in result.stderr


@pytest.mark.sqlite_only("looks for the SQLite file")
def test_migrate_creates_the_database_and_can_run_again(
    data_runner: CliRunner, tmp_path: Path
) -> None:
    assert_succeeded(data_runner.invoke(cli.main, ["migrate"]))
    assert (tmp_path / "data" / "arservice.db").is_file()
    again = data_runner.invoke(cli.main, ["migrate"])
    assert_succeeded(again)
    assert "up to date" in again.stdout


def test_a_bad_setting_stops_a_command_with_its_variable(tmp_path: Path) -> None:
    runner = CliRunner(env={"ARSERVICE_DATA_DIR": str(tmp_path), "ARSERVICE_BASE_URL": "ftp://x"})
    result = runner.invoke(cli.main, ["migrate"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ARSERVICE_BASE_URL: ")
