"""Decidim's rich text (HTML) as plain text: paragraphs kept as blank lines, nothing else.

Plain text is safe by construction: no tag, attribute or entity survives, so the pages that
show it need no further sanitizing, and the model's text alternative reads cleanly. The
standard library's HTML parser is enough here: it never fails on broken markup, and only the
text and the block structure are kept.

    html_to_text("<p>Kuntosali <b>Kontulaan</b>.</p><ul><li>3 asemaa</li></ul>")
    == "Kuntosali Kontulaan.\\n\\n- 3 asemaa"
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5",
        "h6", "ul", "ol", "table", "tr", "figure", "header", "footer", "hr",
    }
)  # fmt: skip
SKIPPED = frozenset({"script", "style", "template", "iframe", "object", "noscript", "head"})
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SPACES_RE = re.compile(r"[ \t\u00a0]+")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]
        self.skipping = 0

    def _new_block(self) -> None:
        if self.blocks[-1]:
            self.blocks.append([])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BLOCKS:
            self._new_block()
        elif tag == "li":
            self._new_block()
            self.blocks[-1].append("- ")
        elif tag == "br":
            self.blocks[-1].append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.blocks[-1].append("\n")
        elif tag in BLOCKS:
            self._new_block()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS or tag == "li":
            self._new_block()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.blocks[-1].append(data)


def html_to_text(html: str) -> str:
    """The text of ``html``: blocks (paragraphs, list items, headings) separated by a blank
    line, runs of spaces collapsed, control characters removed, ``<br>`` kept as a line
    break; ``""`` for markup without text."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    paragraphs = []
    for block in parser.blocks:
        lines = []
        for line in CONTROL_RE.sub(" ", "".join(block).replace("\r", "")).split("\n"):
            cleaned = SPACES_RE.sub(" ", line).strip()
            if cleaned:
                lines.append(cleaned)
        if lines and lines != ["-"]:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters: at a paragraph break when one is in the
    second half, else at a space, with an ellipsis; unchanged when it fits."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    for mark in ("\n\n", " "):
        cut = head.rfind(mark)
        if cut > limit // 2:
            return head[:cut].rstrip() + "…"
    return head.rstrip() + "…"
