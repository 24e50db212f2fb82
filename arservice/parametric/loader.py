"""Template text -> checked :class:`TemplateSchema`, with every problem reported at once.

Steps, each cheap and each stopping only when the next cannot run:

1. size (256 KB), before anything is parsed;
2. YAML 1.2 (JSON is YAML too), safe constructors only; a syntax error names its line;
3. anchors and aliases may be used, but the expanded document is counted first, so
   "billion laughs" costs microseconds;
4. the pydantic schemas check structure and types;
5. :mod:`arservice.parametric.validate` checks what needs the whole template.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from arservice.errors import ErrorItem, TemplateError
from arservice.i18n import N_
from arservice.parametric import limits, schema
from arservice.parametric.schema import (
    CheckSchema,
    MaterialLibrarySchema,
    MaterialSchema,
    ParamSchema,
    PartSchema,
    TemplateSchema,
    short_repr,
)
from arservice.parametric.validate import Template, validate_template, whole_template_problems

MSG_TOO_BIG = N_("the template is {size} KB; the limit is {limit} KB")
MSG_NOT_TEXT = N_("the template must be UTF-8 text")
MSG_YAML = N_("the file is not valid YAML or JSON: {problem}")
MSG_NUMBER_DIGITS = N_("a number has far too many digits; numbers must stay between -1e9 and 1e9")
MSG_TOO_MANY_VALUES = N_(
    "the document expands to more than {limit} values (through anchors and aliases); "
    "use components instead of copying with aliases"
)
MSG_NOT_MAPPING = N_("a template must be a mapping of keys to values (format, id, version, ...)")
MSG_REQUIRED = N_("this key is required")
MSG_UNKNOWN_KEY = N_("unknown key '{key}'")
MSG_UNKNOWN_KEY_HINT = N_("unknown key '{key}'; did you mean '{hint}'?")
MSG_MAPPING = N_("must be a mapping of keys to values (got {value})")
MSG_LIST = N_("must be a list (got {value})")
MSG_TOO_SHORT = N_("must have at least {min} item(s) (it has {actual})")
MSG_TOO_LONG = N_("must have at most {max} item(s) (it has {actual})")
MSG_TEXT = N_("must be a text (got {value})")
MSG_TEXT_TOO_LONG = N_("is too long: at most {max} characters")
MSG_ONE_OF = N_("must be one of {expected} (got {value})")
MSG_INTEGER = N_("must be a whole number (got {value})")
MSG_AT_LEAST = N_("must be at least {min} (got {value})")
MSG_ID_FORM = N_("must be lower-case letters, digits and single hyphens, such as 'outdoor-gym'")
MSG_IDENTIFIER_FORM = N_(
    "'{key}' cannot be used in expressions: use letters, digits and _ and start with a letter"
)
MSG_NAME_FORM = N_("must be letters, digits, '_' and '-' only (got {value})")
MSG_ASSET_FORM = N_("must be a file name ending in .glb, such as 'info-sign.glb'")
MSG_LANGUAGE_FORM = N_("'{key}' is not a language code; use fi, sv, en, ...")
MSG_OTHER = N_("is not valid: {detail}")
MSG_LIBRARY_LITERAL = N_("the material library takes values, not expressions")

_CUSTOM = {  # pydantic custom error type -> msgid
    "number": schema.MSG_NUMBER,
    "boolean": schema.MSG_BOOLEAN,
    "literal": schema.MSG_LITERAL,
    "color": schema.MSG_COLOR,
    "not_finite": schema.MSG_NOT_FINITE,
    "too_large": schema.MSG_TOO_LARGE,
    "plain_number": schema.MSG_PLAIN_NUMBER,
    "scale": schema.MSG_SCALE,
}


def parse_document(source: str | bytes) -> Any:
    """YAML 1.2 or JSON text -> plain Python data; raises TemplateError."""
    size = len(source.encode() if isinstance(source, str) else source)
    if size > limits.TEMPLATE_BYTES:
        raise TemplateError.single(
            "", MSG_TOO_BIG, size=-(-size // 1024), limit=limits.TEMPLATE_BYTES // 1024
        )
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TemplateError.single("", MSG_NOT_TEXT) from None
    try:
        data = YAML(typ="safe", pure=True).load(source)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = (exc.problem or exc.context or "syntax error").strip()
        raise TemplateError.single(loc, MSG_YAML, problem=problem) from None
    except ValueError:  # Python refuses to read an integer of thousands of digits
        raise TemplateError.single(_long_number_line(source), MSG_NUMBER_DIGITS) from None
    except (YAMLError, RecursionError) as exc:
        raise TemplateError.single("", MSG_YAML, problem=str(exc).splitlines()[0]) from None
    if _expanded_size(data) > limits.DOCUMENT_VALUES:
        raise TemplateError.single("", MSG_TOO_MANY_VALUES, limit=limits.DOCUMENT_VALUES)
    return data


_STEP_RE = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def source_lines(source: str | bytes) -> Callable[[str], int | None]:
    """``line_of(loc)``: the line (1-based) of the place ``loc`` names in a template's text.
    ``params.width.max`` -> the line of ``max:``, ``parts[2].size[0]`` -> the line of that
    value. A place that is not in the text (a key the template lacks) gives the line of its
    nearest parent that is; ``line 6, column 3`` (a syntax error) gives 6; None when the text
    cannot be read, or nothing of ``loc`` is in it (``assets[bench.glb]``: a file, not the
    text). The text is read once, when a place first needs it, however many are asked for.
    The CLI prints the line before each problem; the API returns it with each item of a
    refused upload, and the staff UI marks that line."""
    composed: list[Any] = []

    def root() -> Any:
        if not composed:
            composed.append(_compose(source))
        return composed[0]

    def line_of(loc: str) -> int | None:
        if not loc:
            return None
        if loc.startswith("line "):
            written = re.match(r"line (\d+)", loc)
            return int(written.group(1)) if written else None
        return _line_in(root(), loc)

    return line_of


def _compose(source: str | bytes) -> Any:
    """The YAML node tree of ``source`` (positions kept), or None when it cannot be read."""
    if isinstance(source, bytes):
        source = source.decode("utf-8-sig", errors="replace")
    if len(source.encode()) > limits.TEMPLATE_BYTES:
        return None
    try:
        return YAML(typ="safe", pure=True).compose(source)
    except (YAMLError, ValueError, RecursionError):
        return None


def _line_in(node: Any, loc: str) -> int | None:
    line = None
    for bracketed, name in _STEP_RE.findall(loc):
        found = None
        if node is not None and node.id == "sequence" and bracketed.isdigit():
            if int(bracketed) < len(node.value):
                found = node.value[int(bracketed)]
                line = found.start_mark.line + 1
        elif node is not None and node.id == "mapping":
            key = name or bracketed
            for key_node, value_node in node.value:
                if str(key_node.value) == key:
                    found = value_node
                    line = key_node.start_mark.line + 1
                    break
        if found is None:
            break
        node = found
    return line


def _long_number_line(source: str) -> str:
    match = re.search(r"\d{100,}", source)
    return f"line {source.count(chr(10), 0, match.start()) + 1}" if match else ""


def _expanded_size(data: Any) -> int:
    """How many values the document holds with every alias expanded (aliases share objects)."""
    sizes: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        if depth > limits.DOCUMENT_DEPTH:
            return limits.DOCUMENT_VALUES + 1
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key not in sizes:
            children = node.values() if isinstance(node, dict) else node
            total = 1
            for child in children:
                total += size(child, depth + 1)
                if total > limits.DOCUMENT_VALUES:
                    break
            sizes[key] = total
        return sizes[key]

    return size(data, 0)


def check_schema(data: Any) -> TemplateSchema:
    """Plain data -> TemplateSchema; every structural problem in one TemplateError."""
    if not isinstance(data, dict):
        raise TemplateError.single("", MSG_NOT_MAPPING)
    try:
        return TemplateSchema.model_validate(data)
    except ValidationError as exc:
        raise TemplateError(schema_error_items(exc.errors())) from None


def schema_error_items(errors: Iterable[Any]) -> list[ErrorItem]:
    """pydantic's errors -> our items: a place like ``parts[3].size[0]`` and a planner's message."""
    items: list[ErrorItem] = []
    for error in errors:
        item = _error_item(tuple(error["loc"]), error["type"], error.get("ctx") or {}, error)
        if item not in items:
            items.append(item)
    return items


def format_loc(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _error_item(loc: tuple[Any, ...], kind: str, ctx: dict[str, Any], error: Any) -> ErrorItem:
    if loc and loc[-1] == "[key]":
        return _key_error_item(loc[:-1], ctx)
    place = format_loc(loc)
    value = short_repr(error.get("input"))
    if kind in _CUSTOM:
        return ErrorItem(place, _CUSTOM[kind], dict(ctx))
    if kind == "missing":
        return ErrorItem(place, MSG_REQUIRED)
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    simple: dict[str, tuple[str, dict[str, Any]]] = {
        "dict_type": (MSG_MAPPING, {"value": value}),
        "model_type": (MSG_MAPPING, {"value": value}),
        "list_type": (MSG_LIST, {"value": value}),
        "string_type": (MSG_TEXT, {"value": value}),
        "int_type": (MSG_INTEGER, {"value": value}),
        "int_from_float": (MSG_INTEGER, {"value": value}),
        "int_parsing": (MSG_INTEGER, {"value": value}),
        "too_short": (
            MSG_TOO_SHORT,
            {"min": ctx.get("min_length"), "actual": ctx.get("actual_length")},
        ),
        "too_long": (
            MSG_TOO_LONG,
            {"max": ctx.get("max_length"), "actual": ctx.get("actual_length")},
        ),
        "string_too_long": (MSG_TEXT_TOO_LONG, {"max": ctx.get("max_length")}),
        "literal_error": (MSG_ONE_OF, {"expected": ctx.get("expected"), "value": value}),
        "greater_than_equal": (MSG_AT_LEAST, {"min": ctx.get("ge"), "value": value}),
    }
    if kind in simple:
        msgid, params = simple[kind]
        return ErrorItem(place, msgid, params)
    if kind == "string_pattern_mismatch":
        return ErrorItem(place, _pattern_message(loc), {"value": value})
    return ErrorItem(place, MSG_OTHER, {"detail": error.get("msg", kind)})


def _key_error_item(loc: tuple[Any, ...], ctx: dict[str, Any]) -> ErrorItem:
    """A dictionary key of the wrong form: the name of a param, material, language, ..."""
    key = str(loc[-1]) if loc else ""
    place = format_loc(loc)
    if len(loc) == 2 and loc[0] in {"params", "let"}:
        return ErrorItem(place, MSG_IDENTIFIER_FORM, {"key": key})
    if len(loc) == 2 and loc[0] in {"materials", "components"}:
        return ErrorItem(place, MSG_NAME_FORM, {"value": repr(key)})
    return ErrorItem(place, MSG_LANGUAGE_FORM, {"key": key})


def _pattern_message(loc: tuple[Any, ...]) -> str:
    last = loc[-1] if loc else ""
    if loc == ("id",):
        return MSG_ID_FORM
    if last == "asset":
        return MSG_ASSET_FORM
    return MSG_NAME_FORM


def _unknown_key(loc: tuple[Any, ...]) -> ErrorItem:
    """An unknown key, with the closest key the schema accepts at that place."""
    key = str(loc[-1])
    model = _model_at(loc[:-1])
    accepted = [field.alias or name for name, field in model.model_fields.items()]
    hints = difflib.get_close_matches(key, accepted, n=1, cutoff=0.7)
    place = format_loc(loc)
    if hints:
        return ErrorItem(place, MSG_UNKNOWN_KEY_HINT, {"key": key, "hint": hints[0]})
    return ErrorItem(place, MSG_UNKNOWN_KEY, {"key": key})


# (schema, key) -> (the schema of what the key holds, how many names or indexes follow it)
_NESTED: dict[tuple[type[BaseModel], str], tuple[type[BaseModel], int]] = {
    (schema.TemplateSchema, "params"): (schema.ParamSchema, 1),
    (schema.TemplateSchema, "checks"): (schema.CheckSchema, 1),
    (schema.TemplateSchema, "materials"): (schema.MaterialSchema, 1),
    (schema.TemplateSchema, "components"): (schema.PartSchema, 2),
    (schema.TemplateSchema, "parts"): (schema.PartSchema, 1),
    (schema.PartSchema, "repeat"): (schema.RepeatSchema, 0),
    (schema.RepeatSchema, "grid"): (schema.GridSpec, 0),
    (schema.RepeatSchema, "ring"): (schema.RingSpec, 0),
}


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The schema that describes the mapping at ``loc``."""
    model: type[BaseModel] = schema.TemplateSchema
    skip = 0
    for part in loc:
        if skip:
            skip -= 1
        elif (model, part) in _NESTED:
            model, skip = _NESTED[(model, part)]
    return model


def load_template(source: str | bytes, library: Mapping[str, MaterialSchema]) -> Template:
    """Template text -> a checked, compiled :class:`Template`; raises TemplateError.

    When the schema check fails, the whole-template checks still run on every part that passed
    it, so one type error does not hide an unknown material three parts later.
    """
    data = parse_document(source)
    try:
        checked = check_schema(data)
    except TemplateError as exc:
        if not isinstance(data, dict):
            raise
        salvaged, names, materials = _salvage(data)
        more = whole_template_problems(salvaged, library, names, materials)
        items = list(exc.items)
        items += [item for item in more if item not in items]
        raise TemplateError(items) from None
    return validate_template(checked, library)


def _salvage(data: dict[str, Any]) -> tuple[TemplateSchema, frozenset[str], frozenset[str]]:
    """What passes the schema check entry by entry, and the names of entries that do not."""
    names: set[str] = set()
    materials: set[str] = set()

    def entries(key: str, model: type[BaseModel], lost: set[str]) -> dict[str, Any]:
        raw = data.get(key)
        kept = {}
        for name, value in raw.items() if isinstance(raw, dict) else []:
            lost.add(str(name))
            parsed = _try(model, value)
            if parsed is not None:
                kept[str(name)] = parsed
        return kept

    def parts(raw: Any) -> list[Any]:
        return [_try(PartSchema, item) for item in raw] if isinstance(raw, list) else []

    params = entries("params", ParamSchema, names)
    raw_let = data.get("let")
    lets = dict(raw_let) if isinstance(raw_let, dict) else {}
    names.update(str(name) for name in lets)
    raw_checks = data.get("checks")
    checks = [_try(CheckSchema, c) for c in raw_checks] if isinstance(raw_checks, list) else []
    raw_components = data.get("components")
    components = (
        {str(k): parts(v) for k, v in raw_components.items()}
        if isinstance(raw_components, dict)
        else {}
    )
    salvaged = TemplateSchema.model_construct(
        format="arservice/template@1",
        id="-",
        version=1,
        title={"en": "-"},
        params=params,
        let={},  # let values are checked by the schema only; their names are known
        checks=[c for c in checks if c is not None],
        materials=entries("materials", MaterialSchema, materials),
        components=components,
        parts=parts(data.get("parts")),
        description=None,
    )
    return salvaged, frozenset(names), frozenset(materials)


def _try(model: type[BaseModel], value: Any) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError:
        return None


def load_material_library(source: str | bytes) -> dict[str, MaterialSchema]:
    """The material library's text -> its presets by name; raises TemplateError."""
    data = parse_document(source)
    try:
        library = MaterialLibrarySchema.model_validate(data)
    except ValidationError as exc:
        raise TemplateError(schema_error_items(exc.errors())) from None
    items = [
        ErrorItem(f"materials.{name}.{key}", MSG_LIBRARY_LITERAL)
        for name, material in library.materials.items()
        for key in ("color", "metallic", "roughness", "opacity")
        if isinstance(getattr(material, key), str) and getattr(material, key).startswith("=")
    ]
    if items:
        raise TemplateError(items)
    return dict(library.materials)
