"""Acceptance: every built-in template builds a valid, real-scale GLB across its parameter space.

For each template: defaults, the corners of its parameter ranges and a seeded random sample
build — or fail with the template's own check message and nothing else — and every GLB passes
the Khronos glTF Validator with 0 errors and 0 warnings. The overall size of each model is what
its parameters say: ``tests/data/builtin-dimensions.yaml`` states it per template as expressions
of the parameters, written from the template's sources (the standards), not from the generator.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from arservice.errors import BuildError
from arservice.gltf import inspect_glb
from arservice.parametric import Template, resolve_params
from arservice.parametric.expressions import parse_expression
from arservice.parametric.schema import ParamSchema
from arservice.services.models import build_model
from arservice.store.builtin import builtin_template, builtin_template_paths, material_library
from tests.support.gltf_validator import assert_valid_glb

TEMPLATE_IDS = sorted(builtin_template_paths())
DIMENSIONS_FILE = Path(__file__).parent / "data" / "builtin-dimensions.yaml"
REQUIRED_IDS = {
    "outdoor-gym",
    "playground",
    "ball-court",
    "skate-spot",
    "rest-area",
    "path-lighting",
    "dog-park",
    "meadow-trees",
}
LANGUAGES = ("fi", "sv", "en")


def dimensions() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(DIMENSIONS_FILE.read_text("utf-8"))
    return data


def corner_values(param: ParamSchema) -> list[Any]:
    if param.type == "boolean":
        return [False, True]
    if param.type == "choice":
        return list(param.options or [])
    if param.type in {"integer", "number", "length", "angle"}:
        return [v for v in (param.min, param.max) if v is not None] or [param.default]
    return [param.default]


def corners(template: Template) -> list[dict[str, Any]]:
    """All-min, all-max, each parameter at each extreme alone, and the full product if small."""
    params = template.params
    options = {name: corner_values(param) for name, param in params.items()}
    combos = [
        dict(zip(options, values, strict=True)) for values in itertools.product(*options.values())
    ]
    if len(combos) <= 128:
        return combos
    picked = [
        {name: values[0] for name, values in options.items()},
        {name: values[-1] for name, values in options.items()},
    ]
    for name, values in options.items():
        picked.extend({name: value} for value in values)
    return picked


def random_values(param: ParamSchema, rng: random.Random) -> Any:
    if param.type == "boolean":
        return rng.random() < 0.5
    if param.type == "choice":
        return rng.choice(list(param.options or []))
    if param.type == "integer":
        low = int(param.min if param.min is not None else param.default - 5)
        high = int(param.max if param.max is not None else param.default + 5)
        return rng.randint(low, high)
    if param.type in {"number", "length", "angle"}:
        low = float(param.min if param.min is not None else param.default - 5)
        high = float(param.max if param.max is not None else param.default + 5)
        return rng.uniform(low, high)
    return param.default


def build_or_check_failure(template: Template, values: dict[str, Any]) -> bytes | None:
    """The GLB, or None when the template's own checks refuse these values (and only then)."""
    try:
        model = build_model(template, values, library=material_library())
    except BuildError as exc:
        for item in exc.items:
            assert item.loc.startswith("checks["), f"{template.id} {values}: {item.describe()}"
            assert item.texts, "a failing check carries the template's own message"
        return None
    return model.glb


def expected_size(template_id: str, values: dict[str, Any]) -> list[float]:
    entry = dimensions()[template_id]
    env = {**values}
    for name, source in (entry.get("let") or {}).items():
        env[name] = parse_expression(str(source).removeprefix("=")).evaluate(env)
    result = []
    for source in entry["size"]:
        value = parse_expression(str(source).removeprefix("=")).evaluate(env)
        assert isinstance(value, int | float)
        result.append(float(value))
    return result


def assert_real_scale(template: Template, values: dict[str, Any], glb: bytes) -> None:
    stats = inspect_glb(glb)
    low, high = np.asarray(stats.bounds_min), np.asarray(stats.bounds_max)
    resolved = resolve_params(template.params, values)
    tolerance = float(dimensions()[template.id].get("tolerance", 0.02))
    assert high - low == pytest.approx(expected_size(template.id, resolved), abs=tolerance), values
    assert low[1] == pytest.approx(0.0, abs=1e-4), "the model stands on y = 0"
    assert (low[0] + high[0]) / 2 == pytest.approx(0.0, abs=1e-4)
    assert (low[2] + high[2]) / 2 == pytest.approx(0.0, abs=1e-4)


def test_the_eight_required_templates_are_built_in() -> None:
    assert set(TEMPLATE_IDS) >= REQUIRED_IDS


def test_every_builtin_template_has_stated_dimensions() -> None:
    assert set(dimensions()) >= set(TEMPLATE_IDS)


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_texts_and_labels_exist_in_finnish_swedish_and_english(template_id: str) -> None:
    schema = builtin_template(template_id).schema
    texts = [("title", schema.title), ("description", schema.description or {})]
    for name, param in schema.params.items():
        texts.append((f"params.{name}.label", param.label or {}))
    for check in schema.checks:
        texts.append(("checks", check.message))
    for place, text in texts:
        missing = [lang for lang in LANGUAGES if not text.get(lang)]
        assert missing == [], f"{template_id} {place} lacks {missing}"


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_builtin_template_builds_valid_real_scale_glbs_at_defaults_corners_and_random_values(
    template_id: str, gltf_validator: Any
) -> None:
    template = builtin_template(template_id)
    rng = random.Random(f"{template_id}-sample")
    cases = [{}, *corners(template)]
    cases += [{n: random_values(p, rng) for n, p in template.params.items()} for _ in range(12)]
    built: list[tuple[dict[str, Any], bytes]] = []
    for values in cases:
        glb = build_or_check_failure(template, values)
        if glb is not None:
            assert_real_scale(template, values, glb)
            built.append((values, glb))
    assert built, "something builds"
    assert built[0][0] == {}, "the defaults build"
    for report in gltf_validator.validate([glb for _, glb in built]):
        assert_valid_glb(report)


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_builtin_template_stays_within_the_model_contract_budgets(template_id: str) -> None:
    template = builtin_template(template_id)
    for values in [{}, *corners(template)]:
        glb = build_or_check_failure(template, values)
        if glb is None:
            continue
        stats = inspect_glb(glb)
        assert stats.triangles <= 50_000, f"{values}: aim under 50k triangles"
        assert stats.materials <= 10
        assert stats.draw_calls == stats.materials
        assert len(glb) <= 3 * 1024 * 1024


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_same_values_give_byte_identical_glbs(template_id: str) -> None:
    template = builtin_template(template_id)
    first = build_model(template, {}, library=material_library()).glb
    assert build_model(template, {}, library=material_library()).glb == first


def _strategy(param: ParamSchema) -> st.SearchStrategy[Any]:
    if param.type == "boolean":
        return st.booleans()
    if param.type == "choice":
        return st.sampled_from(list(param.options or []))
    if param.type == "integer":
        return st.integers(int(param.min or 0), int(param.max or 100))
    if param.type in {"number", "length", "angle"}:
        low = float(param.min if param.min is not None else 0)
        high = float(param.max if param.max is not None else 100)
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.just(param.default)


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_random_valid_values_build_at_real_scale_or_fail_only_by_the_templates_checks(
    template_id: str,
) -> None:
    template = builtin_template(template_id)
    values_strategy = st.fixed_dictionaries(
        {name: _strategy(param) for name, param in template.params.items()}
    )

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(values_strategy)
    def check(values: dict[str, Any]) -> None:
        glb = build_or_check_failure(template, values)
        if glb is not None:
            assert_real_scale(template, values, glb)

    check()
