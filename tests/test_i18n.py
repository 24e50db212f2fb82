"""Every message a planner or resident sees exists in Finnish and Swedish, placeholders intact."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from arservice.errors import ErrorItem
from arservice.i18n import normalize_language, pick_text, translate

PACKAGE = Path(__file__).parents[1] / "arservice"
LOCALES = PACKAGE / "i18n" / "locale"


def code_messages() -> set[str]:
    found = extract_from_dir(str(PACKAGE), method_map=[("**.py", "python")], keywords={"N_": None})
    return {str(message) for _file, _line, message, _comments, _context in found}


def catalog(lang: str) -> dict[str, str]:
    with (LOCALES / lang / "LC_MESSAGES" / "arservice.po").open("rb") as handle:
        po = read_po(handle, locale=lang)
    return {str(m.id): str(m.string) for m in po if m.id and m.string and not m.fuzzy}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_message_in_the_code_is_translated(lang: str) -> None:
    missing = sorted(code_messages() - set(catalog(lang)))
    assert missing == [], f"run `make messages` and translate these in {lang}:\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_translations_keep_every_placeholder(lang: str) -> None:
    wrong = {
        msgid: text
        for msgid, text in catalog(lang).items()
        if placeholders(msgid) != placeholders(text)
    }
    assert wrong == {}


def test_an_error_item_speaks_the_readers_language() -> None:
    msgid = "unknown key '{key}'"
    item = ErrorItem("parts[0].raduis", msgid, {"key": "raduis"})
    assert item.message("en") == "unknown key 'raduis'"
    assert item.message("fi") == translate("fi", msgid, key="raduis") != item.message("en")
    assert item.message("sv") != item.message("en")
    assert item.message("de") == item.message("en")


def test_language_codes_are_normalised() -> None:
    assert normalize_language("fi-FI") == "fi"
    assert normalize_language("sv_SE") == "sv"
    assert normalize_language("de") == "en"
    assert normalize_language(None) == "en"


def test_per_language_text_falls_back_to_finnish_swedish_english_then_first() -> None:
    assert pick_text({"sv": "S", "en": "E"}, "fi") == "S"
    assert pick_text({"en": "E", "de": "D"}, "sv") == "E"
    assert pick_text({"de": "D"}, "fi") == "D"
    assert pick_text({"de": "D", "fi": "F"}, "de-AT") == "D"
