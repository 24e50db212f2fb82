"""Which language a request is answered in."""

from __future__ import annotations

import pytest

from arservice.web.language import negotiate_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fi-FI,fi;q=0.9,en;q=0.8", "fi"),
        ("sv-FI", "sv"),
        ("de-DE, en;q=0.3, sv;q=0.7", "sv"),
        ("en, sv", "en"),
        ("fi;q=0, sv;q=0.1", "sv"),
        ("*", None),
        ("de, fr", None),
        ("", None),
        (None, None),
        ("fi;q=abc, en;q=0.5", "en"),
        ("EN-gb", "en"),
    ],
)
def test_accept_language_picks_the_best_supported_language(
    header: str | None, expected: str | None
) -> None:
    assert negotiate_language(header) == expected
