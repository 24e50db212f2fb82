"""The poster's own words, as the city's communications team would print them.

These are printed copy in several languages at once (a Helsinki poster is in Finnish and Swedish
side by side), not messages in the reader's language, so each text is kept here in every poster
language rather than looked up in the gettext catalog.
"""

from __future__ import annotations

from arservice.i18n import LANGUAGES

POSTER_LANGUAGES = LANGUAGES
"""The languages a poster can be printed in: fi, sv, en."""

CALL_TO_ACTION = {
    "fi": "Skannaa ja katso idea täällä lisätyssä todellisuudessa\u00a0(AR)",
    "sv": "Skanna och se idén här i förstärkt verklighet\u00a0(AR)",
    "en": "Scan and see the idea here in augmented reality\u00a0(AR)",
}
"""The headline beside the code; a no-break space keeps "(AR)" on the line before it."""

SCAN_HINT = {
    "fi": "Osoita koodia puhelimen kameralla.",
    "sv": "Rikta mobilkameran mot koden.",
    "en": "Point your phone’s camera at the code.",
}
"""How to scan, for those who have not done it before."""
