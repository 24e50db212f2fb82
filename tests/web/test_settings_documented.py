"""Every setting is documented in docs/operations.md, by its environment variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arservice.settings import Settings

OPERATIONS = Path(__file__).parents[2] / "docs" / "operations.md"


def settings_table() -> dict[str, str]:
    """The variables in the settings table of docs/operations.md, and each one's row."""
    rows = {}
    for line in OPERATIONS.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\|\s*`(ARSERVICE_[A-Z0-9_]+)`\s*\|", line)
        if match:
            rows[match.group(1)] = line
    return rows


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_operations_guide(name: str) -> None:
    variable = "ARSERVICE_" + name.upper()
    assert variable in settings_table(), f"add {variable} to the settings table in {OPERATIONS}"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_explains_itself(name: str) -> None:
    assert Settings.model_fields[name].description, f"Settings.{name} needs a description"


def test_the_guide_lists_no_setting_that_does_not_exist() -> None:
    known = {"ARSERVICE_" + name.upper() for name in Settings.model_fields}
    assert set(settings_table()) <= known
