"""The shipped poster fonts are read from assets/fonts and are embeddable TrueType fonts."""

from __future__ import annotations

from arservice.printables.fonts import register_fonts
from arservice.store.fonts import fonts_dir, poster_fonts


def test_the_shipped_fonts_are_read_once_and_register() -> None:
    fonts = poster_fonts()
    assert fonts is poster_fonts()
    assert fonts.regular == (fonts_dir() / "NotoSans-Regular.ttf").read_bytes()
    assert fonts.bold != fonts.regular
    names = register_fonts(fonts)
    assert names.regular != names.bold
