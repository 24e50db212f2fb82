"""The template guide, ``docs/templates.md``, stays true to the engine.

- Every ```yaml block that begins with ``format: arservice/template@1`` loads and builds with the
  real engine. A block preceded by ``<!-- expect-error: TEXT -->`` must fail instead, with TEXT in
  its message (several such comments: every TEXT).
- A ```console block that directly follows such a template (only blank lines between) is run
  through the real CLI, with the template saved under the file name its ``$ arservice`` line
  names; what the CLI prints must be what the guide shows.
- Every expression function, shape, parameter type, top-level key and preset material is
  mentioned, so a new feature without documentation fails here.
- Every limit appears in the limits table; the preset table, the triangle table and the
  expression examples agree with the library and the engine.
"""

from __future__ import annotations

import math
import re
import shlex
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from arservice.cli import main
from arservice.errors import ArServiceError, ExpressionError
from arservice.gltf import read as gltf_read
from arservice.parametric import build_scene, generator, limits, load_template
from arservice.parametric import expressions as expr
from arservice.parametric.expressions import FUNCTIONS, parse_expression
from arservice.parametric.schema import SHAPE_KEYS, MaterialSchema, ParamType, TemplateSchema
from arservice.parametric.shapes import SEGMENTS, estimate_triangles
from arservice.store.builtin import material_library

GUIDE = Path(__file__).parents[1] / "docs" / "templates.md"
TEMPLATE_START = "format: arservice/template@1"
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
EXPECT_ERROR = re.compile(r"^\s*<!-- expect-error: (.+?) -->\s*$")
HEADING = re.compile(r"^(#{1,6}) (.+?)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of the guide."""

    lang: str
    text: str
    line: int  # 1-based line of the opening fence
    expected_errors: tuple[str, ...]
    after: Block | None  # the block just before, when only blank lines separate the two

    @property
    def is_template(self) -> bool:
        return self.lang == "yaml" and self.text.startswith(TEMPLATE_START)


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def read_blocks(text: str) -> list[Block]:
    lines = text.splitlines()
    blocks: list[Block] = []
    previous: tuple[Block, int] | None = None  # a block and the line index of its closing fence
    k = 0
    while k < len(lines):
        fence = FENCE.match(lines[k])
        if fence is None:
            k += 1
            continue
        indent, lang, start = fence.group(1), fence.group(2), k
        k += 1
        body = []
        while lines[k].strip() != "```":
            body.append(lines[k][len(indent) :])
            k += 1
        between = lines[previous[1] + 1 : start] if previous is not None else ["-"]
        after = previous[0] if previous is not None and not "".join(between).strip() else None
        block = Block(lang, "\n".join(body) + "\n", start + 1, _expected(lines, start), after)
        blocks.append(block)
        previous = (block, k)
        k += 1
    return blocks


def _expected(lines: list[str], fence: int) -> tuple[str, ...]:
    """The ``expect-error`` comments just above the line ``fence`` (blank lines skipped)."""
    found: list[str] = []
    for line in reversed(lines[:fence]):
        match = EXPECT_ERROR.match(line)
        if match:
            found.append(match.group(1))
        elif line.strip():
            break
    return tuple(found)


def sections(text: str) -> dict[str, str]:
    """Each heading's title -> its text up to the next heading of the same or a higher level."""
    headings: list[tuple[int, int, str]] = []  # line index, level, title
    lines = text.splitlines()
    in_fence = False
    for number, line in enumerate(lines):
        if FENCE.match(line) or (in_fence and line.strip() == "```"):
            in_fence = not in_fence
            continue
        heading = None if in_fence else HEADING.match(line)
        if heading:
            headings.append((number, len(heading.group(1)), heading.group(2)))
    result = {}
    for k, (start, level, title) in enumerate(headings):
        end = next((line for line, lvl, _ in headings[k + 1 :] if lvl <= level), len(lines))
        result[title] = "\n".join(lines[start + 1 : end])
    return result


def section(title: str) -> str:
    found = sections(guide_text())
    assert title in found, f"the guide has no section '{title}'"
    return found[title]


def table_rows(text: str) -> list[list[str]]:
    """The cells of every table row in ``text`` (separator rows left out)."""
    rows = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and not set(stripped) <= set("|-: "):
            rows.append([cell.strip() for cell in stripped.strip("|").split("|")])
    return rows


BLOCKS = read_blocks(guide_text())
TEMPLATES = [block for block in BLOCKS if block.is_template]
CONSOLE_AFTER_TEMPLATE = [
    block
    for block in BLOCKS
    if block.lang == "console" and block.after is not None and block.after.is_template
]


def build(source: str) -> Any:
    library = material_library()
    return build_scene(load_template(source, library), library=library)


# -- the examples run ----------------------------------------------------------------------------


def test_guide_has_the_worked_example_and_the_reference_templates() -> None:
    assert len(TEMPLATES) >= 10
    assert any(block.expected_errors for block in TEMPLATES)
    assert len(CONSOLE_AFTER_TEMPLATE) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: f"line {block.line}")
def test_every_yaml_and_json_block_parses(block: Block) -> None:
    if block.lang in {"yaml", "json"}:
        YAML(typ="safe", pure=True).load(block.text)


@pytest.mark.parametrize("block", TEMPLATES, ids=lambda block: f"line {block.line}")
def test_template_examples_build_or_fail_as_the_guide_says(block: Block) -> None:
    if not block.expected_errors:
        scene = build(block.text)
        assert scene.instances, "an example should draw something"
        return
    with pytest.raises(ArServiceError) as caught:
        build(block.text)
    message = caught.value.describe("en")
    for expected in block.expected_errors:
        assert expected in message


@pytest.mark.parametrize("block", CONSOLE_AFTER_TEMPLATE, ids=lambda block: f"line {block.line}")
def test_console_output_after_a_template_is_what_the_cli_prints(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert block.after is not None
    command, *shown = block.text.splitlines()
    words = shlex.split(command.removeprefix("$ "))
    assert words[0] == "arservice", "a console block after a template runs arservice"
    template_file = next(word for word in words if word.endswith((".yaml", ".json")))
    (tmp_path / template_file).write_text(block.after.text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, words[1:], env={"ARSERVICE_LANG": None})
    assert result.output.splitlines() == shown
    assert result.exit_code == (1 if any(line.startswith("error:") for line in shown) else 0)


# -- every feature is documented -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_expression_function_is_documented(name: str) -> None:
    assert f"| `{name}(" in section("Functions")


@pytest.mark.parametrize("shape", sorted(SHAPE_KEYS))
def test_every_shape_is_documented_with_its_keys(shape: str) -> None:
    rows = {row[0]: row for row in table_rows(section("Shapes"))}
    assert f"`{shape}`" in rows
    required, optional = SHAPE_KEYS[shape]
    for key in required | optional:
        assert f"`{key}" in rows[f"`{shape}`"][1]


@pytest.mark.parametrize("param_type", typing.get_args(ParamType))
def test_every_parameter_type_is_documented(param_type: str) -> None:
    assert f"`{param_type}`" in [row[0] for row in table_rows(section("Parameter types"))]


@pytest.mark.parametrize(
    "key", [field.alias or name for name, field in TemplateSchema.model_fields.items()]
)
def test_every_top_level_key_is_documented(key: str) -> None:
    assert f"`{key}`" in [row[0] for row in table_rows(section("Top-level keys"))]


def preset_row(name: str, material: MaterialSchema) -> list[str]:
    """The guide's row for one preset, as written from ``assets/materials.yaml``."""
    label = material.label or {}

    def number(value: Any) -> str:
        return f"{float(value):g}"

    return [
        f"`{name}`",
        label.get("en", ""),
        label.get("fi", ""),
        label.get("sv", ""),
        f"`{material.color}`",
        number(material.metallic),
        number(material.roughness),
        number(material.opacity),
    ]


@pytest.mark.parametrize("name", sorted(material_library()))
def test_every_preset_material_has_its_row_in_the_preset_table(name: str) -> None:
    expected = preset_row(name, material_library()[name])
    rows = {row[0]: row for row in table_rows(section("Preset materials"))}
    assert rows.get(f"`{name}`") == expected, "| " + " | ".join(expected) + " |"


def test_preset_table_lists_no_material_the_library_lacks() -> None:
    names = {row[0].strip("`") for row in table_rows(section("Preset materials"))[1:]}
    assert names <= set(material_library())


# -- limits, costs and examples agree with the engine ----------------------------------------------


def limit_values() -> dict[str, int]:
    values = {
        name: value
        for name, value in vars(limits).items()
        if name.isupper() and isinstance(value, int)
    }
    values.update(
        {
            "generator.MAX_MATERIALS": generator.MAX_MATERIALS,
            "generator.MAX_TRIANGLES_CONTRACT": generator.MAX_TRIANGLES_CONTRACT,
            "expressions.MAX_SOURCE": expr.MAX_SOURCE,
            "expressions.MAX_DEPTH": expr.MAX_DEPTH,
            "expressions.MAX_TEXT": expr.MAX_TEXT,
            "shapes.SEGMENTS": SEGMENTS,
            "gltf.read.MAX_ASSET_BYTES": gltf_read.MAX_ASSET_BYTES,
        }
    )
    return values


def spellings(name: str, value: int) -> list[str]:
    """How the guide may write ``value``: 5000 or 5,000; a size in bytes as KB or MB."""
    found = [str(value), f"{value:,}"]
    if name.endswith("BYTES") and value % 1024**2 == 0:
        found.append(f"{value // 1024**2} MB")
    elif name.endswith("BYTES") and value % 1024 == 0:
        found.append(f"{value // 1024} KB")
    return found


@pytest.mark.parametrize(("name", "value"), sorted(limit_values().items()))
def test_every_limit_value_appears_in_the_limits_table(name: str, value: int) -> None:
    table = section("Limits")
    assert any(
        re.search(rf"(?<![\d.,]){re.escape(text)}(?![\d,])", table)
        for text in spellings(name, value)
    ), f"{name} = {value:,} is not in the guide's limits table"


def test_number_limit_of_expressions_appears_in_the_limits_table() -> None:
    assert expr.LIMIT == 1e9
    assert "±1e9" in section("Limits")


TRIANGLE_SAMPLES: dict[str, dict[str, Any]] = {
    "box": {"size": (1, 1, 1)},
    "cylinder": {"radius": 1, "height": 1},
    "cone": {"radius": 1, "height": 1},
    "sphere": {"radius": 1},
    "capsule": {"radius": 0.5, "length": 2},
    "torus": {"radius": 1, "tube": 0.2},
    "extrude": {"polygon": [(0, 0), (1, 0), (1, 1), (0, 1)], "height": 1},
    "tube": {"path": [(0, 0, 0), (0, 1, 0)], "radius": 0.1},
}


@pytest.mark.parametrize("shape", sorted(SHAPE_KEYS))
def test_triangle_table_gives_each_shapes_estimate(shape: str) -> None:
    rows = {row[0]: row for row in table_rows(section("Triangle budget"))}
    assert f"`{shape}`" in rows, f"the triangle table has no row for {shape}"
    cost = estimate_triangles(shape, TRIANGLE_SAMPLES[shape])
    assert re.search(rf"(?<![\d,]){cost:,}(?![\d,])", " ".join(rows[f"`{shape}`"][1:]))


def test_triangle_table_formulas_hold_for_any_number_of_points() -> None:
    rows = {row[0]: " ".join(row[1:]) for row in table_rows(section("Triangle budget"))}
    assert "4 × points − 4" in rows["`extrude`"]
    assert "64 × points" in rows["`tube`"]
    assert "960" in rows["`capsule`"]
    assert estimate_triangles("capsule", {"radius": 0.5, "length": 1}) == 960
    for n in (3, 5, 12):
        polygon = [(math.cos(2 * math.pi * k / n), math.sin(2 * math.pi * k / n)) for k in range(n)]
        assert estimate_triangles("extrude", {"polygon": polygon, "height": 1}) == 4 * n - 4
        path = [(0, k, 0) for k in range(n)]
        assert estimate_triangles("tube", {"path": path, "radius": 0.1}) == 2 * SEGMENTS * n


def expression_examples() -> list[tuple[str, str]]:
    """(expression, what it gives) from every table row whose last two cells are an example."""
    examples = []
    for row in table_rows(section("Expressions")):
        example = len(row) >= 2 and re.fullmatch(r"`=[^`]+`", row[-2])
        if example and re.fullmatch(r"`[^`]*`|error", row[-1]):
            examples.append((row[-2].strip("`")[1:], row[-1]))
    return examples


def test_guide_has_an_expression_example_for_every_function() -> None:
    examples = " ".join(source for source, _ in expression_examples())
    for name in FUNCTIONS:
        assert re.search(rf"\b{name}\(", examples), f"no example for {name}()"


@pytest.mark.parametrize(("source", "gives"), expression_examples())
def test_expression_examples_give_what_the_guide_says(source: str, gives: str) -> None:
    if gives == "error":
        with pytest.raises(ExpressionError):
            parse_expression(source).evaluate({})
        return
    value = parse_expression(source).evaluate({})
    expected = YAML(typ="safe", pure=True).load(gives.strip("`"))
    if isinstance(expected, bool) or isinstance(value, bool | str):
        assert value == expected
    else:
        assert math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-9)
