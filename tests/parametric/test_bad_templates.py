"""The acceptance corpus of bad templates (``tests/data/bad``): each one is refused.

Every file is a small template with one kind of problem (or, for ``many-errors-*``, several at
once). Its first lines say, as YAML comments, what the engine must report:

    # expect: parts[0].shape | unknown shape 'cylindr'; did you mean 'cylinder'?
    # expect[fi]: checks[0] | Tanko on liian korkea      (the message in another language)
    # expect-not: parts[0].colour | did you mean 'color'  (no item at that place says this)
    # stage: build                                         (loads, and fails when built)

``LOC`` is the reported place exactly; ``line 6`` matches ``line 6, column 10``; an empty
``LOC`` is a problem of the whole document; ``*`` is any place. ``SUBSTRING`` must appear in the
message. A JSON file cannot hold comments, so its lines live beside it in ``<name>.txt``.

Each template is loaded with :func:`load_template` and, if that passes, built at its defaults
with :func:`build_scene`; the refusal must be an :class:`ArServiceError` and nothing else.
Cases too large (or too binary) to commit are generated here: see :data:`GENERATED`.

The limits must cost little: no test here measures time (shared machines are noisy); instead
spies that call through show the engine stopped before the expensive step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from arservice.errors import ArServiceError, BuildError, TemplateError
from arservice.parametric import build_scene, limits, load_template, loader, shapes
from arservice.parametric.expressions import Expression
from arservice.store.builtin import material_library

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
CASE_SUFFIXES = (".yaml", ".json")
LIBRARY = material_library()

VALID = b"""format: arservice/template@1
id: padded
version: 1
title: {en: Padded}
parts:
  - {shape: box, size: [1, 1, 1]}
"""

HEADER_RE = re.compile(
    r"^#\s*(?P<kind>expect|expect-not)(?:\[(?P<lang>[a-z]{2,3})\])?:"
    r"\s?(?P<loc>[^|]*)\|\s?(?P<text>.*)$"
)
STAGE_RE = re.compile(r"^#\s*stage:\s*(?P<stage>load|build)\s*$")
PLACE_RE = re.compile(
    r"^(|line \d+(, column \d+)?|[A-Za-z_][\w-]*(\[\d+\])*(\.[A-Za-z_][\w-]*(\[\d+\])*)*)$"
)
INTERNALS = ("Traceback", "sys.", "pydantic", "function-plain", "object at 0x", "Error(")


@dataclass(frozen=True)
class Expectation:
    loc: str
    text: str
    lang: str = "en"
    present: bool = True

    def matches_place(self, loc: str) -> bool:
        if self.loc == "*" or self.loc == loc:
            return True
        return self.loc.startswith("line ") and loc.startswith(f"{self.loc}, ")


@dataclass(frozen=True)
class Case:
    name: str
    source: bytes
    expectations: tuple[Expectation, ...]
    stage: str | None = None


def parse_header(text: str) -> tuple[tuple[Expectation, ...], str | None]:
    """The expectations and the stage in the leading comment lines of ``text``."""
    expectations: list[Expectation] = []
    stage = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if match := HEADER_RE.match(line):
            expectations.append(
                Expectation(
                    loc=match["loc"].strip(),
                    text=match["text"].strip(),
                    lang=match["lang"] or "en",
                    present=match["kind"] == "expect",
                )
            )
        elif match := STAGE_RE.match(line):
            stage = match["stage"]
    return tuple(expectations), stage


def header_path(path: Path) -> Path:
    """Where a case's expectations are written: in it, or for JSON in ``<name>.txt`` beside it."""
    return path.with_suffix(".txt") if path.suffix == ".json" else path


def read_case(path: Path) -> Case:
    expectations, stage = parse_header(header_path(path).read_text(encoding="utf-8"))
    return Case(path.name, path.read_bytes(), expectations, stage)


def corpus_paths() -> list[Path]:
    return sorted(path for path in BAD.iterdir() if path.suffix in CASE_SUFFIXES)


def padded(size: int) -> bytes:
    """A valid template padded with a comment to exactly ``size`` bytes."""
    filler = size - len(VALID) - 3
    return VALID + b"# " + b"x" * filler + b"\n"


def document_error(text: str, loc: str = "") -> tuple[Expectation, ...]:
    return (Expectation(loc, text),)


GENERATED: dict[str, Callable[[], Case]] = {
    "generated-10-mb": lambda: Case(
        "generated-10-mb",
        padded(10 * 1024 * 1024),
        document_error("the template is 10240 KB; the limit is 256 KB"),
    ),
    "generated-300-kb": lambda: Case(
        "generated-300-kb",
        padded(300 * 1024),
        document_error("the template is 300 KB; the limit is 256 KB"),
    ),
    "generated-not-utf8": lambda: Case(
        "generated-not-utf8",
        VALID.replace(b"title: {en: Padded}", "title: {en: Café}".encode("latin-1")),
        document_error("the template must be UTF-8 text"),
    ),
    "generated-empty-file": lambda: Case(
        "generated-empty-file",
        b"",
        document_error("a template must be a mapping of keys to values"),
    ),
    "generated-deeply-nested-brackets": lambda: Case(
        "generated-deeply-nested-brackets",
        VALID + b"let:\n  deep: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        document_error("the file is not valid YAML or JSON", loc="*"),
    ),
}


def all_cases() -> list[Any]:
    """The corpus files and the generated cases, with their names as test ids."""
    files = [pytest.param(path, id=path.name) for path in corpus_paths()]
    return files + [pytest.param(name, id=name) for name in GENERATED]


def load_case(which: Path | str) -> Case:
    return read_case(which) if isinstance(which, Path) else GENERATED[which]()


def refuse(source: bytes) -> tuple[str, ArServiceError]:
    """Load ``source`` and build it at its defaults: the stage that refused it, and the error."""
    stage = "load"
    try:
        template = load_template(source, LIBRARY)
        stage = "build"
        build_scene(template, {}, library=LIBRARY)
    except ArServiceError as error:
        return stage, error
    except Exception as error:  # the point of the test: nothing else may escape
        pytest.fail(f"{stage} raised {type(error).__name__}, not an ArServiceError: {error}")
    pytest.fail(f"the template was accepted (loaded and built); expected a refusal at {stage}")


def reported(error: ArServiceError, lang: str) -> list[str]:
    return [f"{item.loc!r}: {item.message(lang)}" for item in error.items]


def assert_reports(error: ArServiceError, expectations: tuple[Expectation, ...]) -> None:
    for expected in expectations:
        hits = [
            item
            for item in error.items
            if expected.matches_place(item.loc) and expected.text in item.message(expected.lang)
        ]
        if expected.present:
            assert hits, (
                f"expected {expected.loc!r} | {expected.text!r} ({expected.lang}) "
                f"among {reported(error, expected.lang)}"
            )
        else:
            assert not hits, (
                f"did not expect {expected.loc!r} | {expected.text!r} ({expected.lang}) "
                f"among {reported(error, expected.lang)}"
            )


# -- the corpus stays honest ----------------------------------------------------------------


def test_every_corpus_file_says_what_the_engine_must_report() -> None:
    files = sorted(BAD.iterdir())
    assert files, "the corpus is empty"
    for path in files:
        assert path.suffix in {*CASE_SUFFIXES, ".txt"}, f"{path.name}: not a case or a sidecar"
        if path.suffix == ".txt":
            assert path.with_suffix(".json").is_file(), f"{path.name} belongs to no JSON case"
            continue
        expectations, _ = parse_header(header_path(path).read_text(encoding="utf-8"))
        assert any(e.present for e in expectations), f"{path.name} has no '# expect:' line"


def test_json_cases_are_json_and_not_yaml_only() -> None:
    json.loads((BAD / "json-unknown-material.json").read_bytes())
    with pytest.raises(json.JSONDecodeError):
        json.loads((BAD / "json-syntax-error.json").read_bytes())


def test_corpus_has_one_case_per_file_with_distinct_names() -> None:
    names = [path.stem for path in corpus_paths()] + list(GENERATED)
    assert len(names) == len(set(names))
    assert len(names) >= 60


# -- every case: refused, with every expected problem, by an ArServiceError ----------------


@pytest.mark.parametrize("which", all_cases())
def test_bad_template_is_refused_with_every_expected_problem(which: Path | str) -> None:
    case = load_case(which)
    stage, error = refuse(case.source)
    if case.stage is not None:
        assert stage == case.stage, f"refused at {stage}: {reported(error, 'en')}"
    expected_kind = TemplateError if stage == "load" else BuildError
    assert isinstance(error, expected_kind), f"{type(error).__name__} at {stage}"
    assert error.items, "an error with no items says nothing"
    assert_reports(error, case.expectations)


@pytest.mark.parametrize("which", all_cases())
def test_every_reported_problem_names_a_readable_place(which: Path | str) -> None:
    case = load_case(which)
    _, error = refuse(case.source)
    for item in error.items:
        message = item.message("en")
        assert PLACE_RE.match(item.loc), f"{item.loc!r} is not a place a planner can read"
        assert message.strip(), f"{item.loc!r} has an empty message"
        leaked = [word for word in INTERNALS if word in message]
        assert not leaked, f"{item.loc!r}: {message!r} shows Python internals {leaked}"


# -- the limits cost little: the engine stops before the expensive step ---------------------


class TooMuchWorkError(Exception):
    """Raised by a spy when the engine does far more work than its limits allow."""


@pytest.fixture
def shapes_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every shape the generator makes geometry for (the spy calls through)."""
    calls: list[str] = []
    real = shapes.build_shape

    def spy(shape: str, args: dict[str, Any]) -> Any:
        calls.append(shape)
        return real(shape, args)

    monkeypatch.setattr(shapes, "build_shape", spy)
    return calls


@pytest.fixture
def evaluations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts expression evaluations; past 20 x the node limit the engine is doing too much."""
    count = [0]
    budget = 20 * limits.NODES
    real = Expression.evaluate

    def spy(self: Expression, env: Any) -> Any:
        count[0] += 1
        if count[0] > budget:
            raise TooMuchWorkError(f"more than {budget} expression evaluations for one build")
        return real(self, env)

    monkeypatch.setattr(Expression, "evaluate", spy)
    return count


def test_node_limit_stops_the_walk_before_any_geometry_is_built(
    shapes_built: list[str], evaluations: list[int]
) -> None:
    template = load_template((BAD / "nested-repeats-node-limit.yaml").read_bytes(), LIBRARY)
    with pytest.raises(BuildError) as raised:
        build_scene(template, {}, library=LIBRARY)
    assert "more than 5000 parts" in raised.value.items[0].message("en")
    assert shapes_built == []


def test_copies_left_out_by_if_still_cost_bounded_work(
    shapes_built: list[str], evaluations: list[int]
) -> None:
    """A million copies, each switched off by its ``if``: placing none of them must not make
    the walk evaluate a million ``if`` expressions (with a long one, that is minutes). Either
    the copies count towards the node limit, or the work is bounded some other way."""
    source = b"""format: arservice/template@1
id: hidden-copies
version: 1
title: {en: Hidden copies}
components:
  row:
    - {shape: box, size: [0.1, 0.1, 0.1], if: =i < 0, repeat: {count: 1000, step: [0.2, 0, 0]}}
parts:
  - {use: row, repeat: {count: 1000, step: [0, 0, 0.2]}}
  - {shape: box, size: [1, 1, 1]}
"""
    template = load_template(source, LIBRARY)
    try:
        build_scene(template, {}, library=LIBRARY)
    except ArServiceError:
        pass  # refusing the expansion is a fine answer
    except TooMuchWorkError as error:
        pytest.fail(f"the walk did not stop: {error}")


def test_billion_laughs_is_refused_before_the_schema_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked: list[object] = []
    monkeypatch.setattr(loader, "check_schema", lambda data: checked.append(data))
    with pytest.raises(TemplateError) as raised:
        load_template((BAD / "billion-laughs.yaml").read_bytes(), LIBRARY)
    assert "expands to more than" in raised.value.items[0].message("en")
    assert checked == []


def test_oversized_template_is_refused_before_it_is_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsers: list[object] = []
    real = loader.YAML

    def spy(*args: Any, **kwargs: Any) -> Any:
        parsers.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(loader, "YAML", spy)
    with pytest.raises(TemplateError) as raised:
        load_template(padded(10 * 1024 * 1024), LIBRARY)
    assert raised.value.items[0].loc == ""
    assert "the limit is 256 KB" in raised.value.items[0].message("en")
    assert parsers == []


def test_template_of_exactly_the_size_limit_is_accepted() -> None:
    source = padded(limits.TEMPLATE_BYTES)
    assert len(source) == limits.TEMPLATE_BYTES
    assert load_template(source, LIBRARY).id == "padded"
    with pytest.raises(TemplateError):
        load_template(padded(limits.TEMPLATE_BYTES + 1), LIBRARY)


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name) for p in corpus_paths()])
def test_every_reported_place_is_found_at_its_line(path: Path) -> None:
    """``source_lines`` (the CLI's ``line N:``) finds each reported place in the file: the line
    holds the place's last key, or starts the list item it names; a key the template lacks
    (``this key is required``) gives the line of the mapping that lacks it."""
    source = path.read_bytes()
    lines = source.decode("utf-8-sig").splitlines()
    _, error = refuse(source)
    line_of = loader.source_lines(source)
    for item in error.items:
        if not item.loc or item.loc.startswith("line "):
            continue
        line = line_of(item.loc)
        assert line is not None, item.loc
        text = lines[line - 1]
        last = re.findall(r"[^.\[\]]+|\[\d+\]", item.loc)[-1]
        if item.msgid == loader.MSG_REQUIRED:
            assert ":" in text or "{" in text, (item.loc, line, text)
        elif last.startswith("["):
            assert "- " in text or "[" in text, (item.loc, line, text)
        else:
            assert f"{last}:" in text or f'"{last}":' in text, (item.loc, line, text)
