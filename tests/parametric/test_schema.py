"""The published JSON Schema: generated from the same classes that validate, and kept in sync."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from arservice.parametric import template_json_schema
from arservice.store.builtin import assets_dir, builtin_template_paths

SCHEMA_FILE = Path(__file__).parents[2] / "assets" / "schema" / "template-v1.json"


def load_yaml(path: Path) -> object:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def test_published_schema_file_matches_the_schema_classes() -> None:
    published = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert published == template_json_schema(), "run `make schema` and commit the result"


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(template_json_schema())


def test_schema_ships_with_the_package_assets() -> None:
    assert (assets_dir() / "schema" / "template-v1.json").is_file()


@pytest.mark.parametrize("template_id", sorted(builtin_template_paths()))
def test_every_builtin_template_passes_the_json_schema(template_id: str) -> None:
    validator = jsonschema.Draft202012Validator(template_json_schema())
    errors = [
        error.message
        for error in validator.iter_errors(load_yaml(builtin_template_paths()[template_id]))
    ]
    assert errors == []


@pytest.mark.parametrize(
    ("part", "fragment"),
    [
        ({"shape": "box"}, "'size' is a required property"),
        ({"shape": "box", "size": [1, 1, 1], "use": "x"}, "oneOf"),
        ({"shape": "cube", "size": [1, 1, 1]}, "'cube' is not valid"),
        ({"shape": "box", "size": [1, 1, "wide"]}, "is not valid"),
        ({"shape": "box", "size": [1, 1, 1], "colour": "red"}, "Additional properties"),
    ],
)
def test_schema_refuses_what_an_editor_should_flag(part: dict[str, object], fragment: str) -> None:
    template = {
        "format": "arservice/template@1",
        "id": "t",
        "version": 1,
        "title": {"en": "T"},
        "parts": [part],
    }
    validator = jsonschema.Draft202012Validator(template_json_schema())
    messages = " | ".join(
        str(e.message) + " " + str(e.validator) for e in validator.iter_errors(template)
    )
    assert fragment in messages
