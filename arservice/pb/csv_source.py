"""Projects from a CSV file, for cities on other platforms (CONSUL, a spreadsheet).

The first line names the columns, in any order; only ``project_id`` and one ``title_<lang>`` are
required. Comma- or semicolon-separated (a Finnish spreadsheet saves with semicolons), UTF-8
(a byte-order mark is fine).

    column                  what
    project_id              the project's id on its platform; unique in the file (required)
    title_fi, title_sv, …   the title per language; at least one (required)
    description_<lang>      plain text; an empty line separates paragraphs
    category_<lang>         names the mapping rules look at
    scope_<lang>            the area or district (also the idea's district)
    budget_eur              euros, 0 to 20,000,000, "150000", "150 000,50" or "150000.50"
    selected                yes / no (also true/false, 1/0, kyllä/ei, ja/nej); empty: no
    url                     the project's page, http(s)
    latitude, longitude     WGS 84 degrees, both or neither ("60,17" or "60.17")
    address                 free text, kept in the report
    stage                   winner, building or built; empty: not known
    platform                a short name such as consul (default: csv)

Every bad value is reported with its line and column (``line 7.budget_eur``) and nothing is
imported while any is left.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

from arservice.errors import ErrorItem, InputError
from arservice.i18n import LANGUAGES, N_
from arservice.pb.records import Location, Project, Stage
from arservice.pb.text import CONTROL_RE

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_BUDGET_EUR = 20_000_000
PER_LANGUAGE = ("title", "description", "category", "scope")
SINGLE = (
    "project_id", "budget_eur", "selected", "url", "latitude", "longitude", "address", "stage",
    "platform",
)  # fmt: skip
COLUMNS = (*SINGLE, *(f"{name}_{lang}" for name in PER_LANGUAGE for lang in LANGUAGES))
YES = frozenset({"yes", "y", "true", "1", "x", "kyllä", "k", "ja", "selected", "voittaja"})
NO = frozenset({"", "no", "n", "false", "0", "ei", "e", "nej"})
PLATFORM_RE = re.compile(r"[a-z0-9-]{1,32}")
URL_RE = re.compile(r"https?://[^\s/?#]+[^\s]*")

MSG_CSV_TOO_BIG = N_("the CSV file is larger than {limit} MB")
MSG_CSV_TEXT = N_("the CSV file must be UTF-8 text")
MSG_CSV_EMPTY = N_("the CSV file has no header line; the first line names the columns")
MSG_CSV_SYNTAX = N_("the CSV file cannot be read: {problem}")
MSG_CSV_ROWS = N_("the CSV file has more than {max} projects; split it")
MSG_CSV_COLUMN = N_("unknown column '{name}'; the columns are described in docs/import.md")
MSG_CSV_REPEATED = N_("the column '{name}' is given twice")
MSG_CSV_MISSING = N_("the CSV file needs the columns project_id and at least one title_<lang>")
MSG_CSV_WIDTH = N_("has {count} values but the header names {columns} columns")
MSG_CSV_REQUIRED = N_("is required")
MSG_CSV_TITLE = N_("a project needs a title in at least one language")
MSG_CSV_DUPLICATE = N_("project_id '{value}' is already on line {line}")
MSG_CSV_BUDGET = N_("must be an amount of euros from 0 to {max} (got '{value}')")
MSG_CSV_BOOLEAN = N_("must be yes or no (got '{value}')")
MSG_CSV_URL = N_("must be an http:// or https:// address (got '{value}')")
MSG_CSV_NUMBER = N_("must be a number from {min} to {max} (got '{value}')")
MSG_CSV_BOTH = N_("latitude and longitude go together: give both or neither")
MSG_CSV_STAGE = N_("must be winner, building or built (got '{value}')")
MSG_CSV_PLATFORM = N_(
    "must be a short name of lowercase letters, digits and hyphens (got '{value}')"
)
MSG_CSV_LONG = N_("must have at most {max} characters")


def read_projects_csv(data: bytes) -> list[Project]:
    """The projects of a CSV file; InputError with every bad line and column."""
    rows = _rows(data)
    header = [name.strip().lower() for name in rows[0]]
    _check_header(header)
    problems: list[ErrorItem] = []
    projects: list[Project] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            values = {"count": len(row), "columns": len(header)}
            problems.append(ErrorItem(f"line {line}", MSG_CSV_WIDTH, values))
            continue
        project = _project(dict(zip(header, row, strict=True)), line, problems)
        if project is None:
            continue
        key = f"{project.platform}/{project.key}"
        if key in seen:
            found = {"value": project.key, "line": seen[key]}
            problems.append(ErrorItem(f"line {line}.project_id", MSG_CSV_DUPLICATE, found))
        seen.setdefault(key, line)
        projects.append(project)
    if problems:
        raise InputError(problems)
    return projects


def _rows(data: bytes) -> list[list[str]]:
    if len(data) > MAX_CSV_BYTES:
        raise InputError.single("", MSG_CSV_TOO_BIG, limit=MAX_CSV_BYTES >> 20)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError.single("", MSG_CSV_TEXT) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise InputError.single("", MSG_CSV_SYNTAX, problem=str(exc)) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError.single("line 1", MSG_CSV_EMPTY)
    if len(rows) > MAX_ROWS + 1:
        raise InputError.single("", MSG_CSV_ROWS, max=MAX_ROWS)
    return rows


def _check_header(header: list[str]) -> None:
    problems = []
    for name in header:
        if name not in COLUMNS:
            problems.append(ErrorItem("line 1", MSG_CSV_COLUMN, {"name": name}))
        elif (
            header.count(name) > 1
            and ErrorItem("line 1", MSG_CSV_REPEATED, {"name": name}) not in problems
        ):
            problems.append(ErrorItem("line 1", MSG_CSV_REPEATED, {"name": name}))
    if "project_id" not in header or not any(f"title_{lang}" in header for lang in LANGUAGES):
        problems.append(ErrorItem("line 1", MSG_CSV_MISSING))
    if problems:
        raise InputError(problems)


def _project(row: dict[str, str], line: int, problems: list[ErrorItem]) -> Project | None:
    before = len(problems)

    def check(name: str, parse: Callable[[str], Any], msgid: str, **values: Any) -> Any:
        raw = row.get(name, "").strip()
        try:
            return parse(raw)
        except ValueError:
            problems.append(ErrorItem(f"line {line}.{name}", msgid, {**values, "value": raw}))
            return None

    key = row.get("project_id", "").strip()
    if not key:
        problems.append(ErrorItem(f"line {line}.project_id", MSG_CSV_REQUIRED))
    elif len(key) > 100 or CONTROL_RE.search(key):
        problems.append(ErrorItem(f"line {line}.project_id", MSG_CSV_LONG, {"max": 100}))
    texts = {name: _texts(row, name) for name in PER_LANGUAGE}
    if not texts["title"]:
        problems.append(ErrorItem(f"line {line}", MSG_CSV_TITLE))
    cents = check("budget_eur", _cents, MSG_CSV_BUDGET, max=MAX_BUDGET_EUR)
    selected = check("selected", _yes_no, MSG_CSV_BOOLEAN)
    url = check("url", _url, MSG_CSV_URL)
    lat = check("latitude", lambda v: _number(v, 90), MSG_CSV_NUMBER, min=-90, max=90)
    lon = check("longitude", lambda v: _number(v, 180), MSG_CSV_NUMBER, min=-180, max=180)
    if (lat is None) != (lon is None) and len(problems) == before:
        problems.append(ErrorItem(f"line {line}.latitude", MSG_CSV_BOTH))
    stage = check("stage", _stage, MSG_CSV_STAGE)
    platform = check("platform", _platform, MSG_CSV_PLATFORM)
    if len(problems) > before:
        return None
    address = " ".join(row.get("address", "").split())
    return Project(
        platform=platform,
        key=key,
        title=texts["title"],
        description=texts["description"],
        budget_cents=cents,
        selected=bool(selected),
        url=url,
        category=texts["category"],
        scope=texts["scope"],
        location=None if lat is None else Location(lat, lon, address),
        stage=stage,
    )


def _texts(row: dict[str, str], name: str) -> dict[str, str]:
    texts = {}
    for lang in LANGUAGES:
        raw = CONTROL_RE.sub(" ", row.get(f"{name}_{lang}", "").replace("\r\n", "\n"))
        paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n", raw)]
        text = "\n\n".join(part for part in paragraphs if part)
        if text:
            texts[lang] = text if name == "description" else " ".join(text.split())
    return texts


def _cents(raw: str) -> int | None:
    if not raw:
        return None
    text = raw.replace("\u00a0", "").replace(" ", "").replace("€", "").replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", text):
        raise ValueError(raw)
    whole, _, part = text.partition(".")
    cents = int(whole) * 100 + int((part + "00")[:2])
    if cents > MAX_BUDGET_EUR * 100:
        raise ValueError(raw)
    return cents


def _yes_no(raw: str) -> bool:
    value = raw.casefold()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(raw)


def _url(raw: str) -> str | None:
    if not raw:
        return None
    if len(raw) > 500 or not URL_RE.fullmatch(raw):
        raise ValueError(raw)
    return raw


def _number(raw: str, limit: float) -> float | None:
    if not raw:
        return None
    value = float(raw.replace(",", "."))
    if not -limit <= value <= limit:
        raise ValueError(raw)
    return value


def _stage(raw: str) -> Stage | None:
    value = raw.casefold()
    if not value:
        return None
    if value == "winner":
        return "winner"
    if value == "building":
        return "building"
    if value == "built":
        return "built"
    raise ValueError(raw)


def _platform(raw: str) -> str:
    if not raw:
        return "csv"
    if not PLATFORM_RE.fullmatch(raw):
        raise ValueError(raw)
    return raw
