"""Texts with values in them: ``"A gym with {stations} stations"`` -> ``"A gym with 4 stations"``.

Numbers print with at most two decimals and no trailing zeros, with a decimal comma in Finnish
and Swedish (``9,6 m``), a point in English. A choice prints as its option label in the text's
language when the template gives one (``{surface}`` -> ``kumirouhe``), else as the option.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from arservice.parametric.scene import Value

PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
DECIMAL_COMMA = frozenset({"fi", "sv"})


def format_value(value: Value, lang: str) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        text = "0" if text in {"-0", ""} else text
        return text.replace(".", ",") if lang in DECIMAL_COMMA else text
    return value


OptionLabels = Mapping[str, Mapping[str, Mapping[str, str]]]
"""Per parameter, per option, per language: the label (a template's ``option_labels``)."""


def render_text(
    text: str, values: Mapping[str, Value], lang: str, labels: OptionLabels | None = None
) -> str:
    """Fill ``{name}`` placeholders; an unknown name is left as it is."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        if isinstance(value, str) and labels and name in labels:
            return labels[name].get(value, {}).get(lang, value)
        return format_value(value, lang)

    return PLACEHOLDER_RE.sub(fill, text)


def render_texts(
    texts: Mapping[str, str], values: Mapping[str, Value], labels: OptionLabels | None = None
) -> dict[str, str]:
    """Every language's text with the values filled in."""
    return {lang: render_text(text, values, lang, labels) for lang, text in texts.items()}
