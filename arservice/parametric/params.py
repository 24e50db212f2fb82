"""Parameter values from outside (an API call, a form, the command line) checked against a
template's parameter definitions: types, ranges, options. Every problem is reported at once."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any

from arservice.errors import ErrorItem, ParameterError
from arservice.i18n import N_
from arservice.parametric import limits
from arservice.parametric.scene import Value
from arservice.parametric.schema import COLOR_RE, ParamSchema, short_repr

MSG_UNKNOWN = N_("unknown parameter '{name}'; this template has: {known}")
MSG_UNKNOWN_HINT = N_("unknown parameter '{name}'; did you mean '{hint}'?")
MSG_INTEGER = N_("must be a whole number (got {value})")
MSG_NUMBER = N_("must be a number (got {value})")
MSG_BOOLEAN = N_("must be true or false (got {value})")
MSG_CHOICE = N_("must be one of {options} (got {value})")
MSG_COLOR = N_("must be a colour as #rrggbb, such as #1a4d8c (got {value})")
MSG_TEXT = N_("must be a text of at most {limit} characters without control characters")
MSG_BELOW = N_("must be at least {min} (got {value})")
MSG_ABOVE = N_("must be at most {max} (got {value})")

_TRUE = {"true", "yes", "on", "1", "kyllä", "ja"}
_FALSE = {"false", "no", "off", "0", "ei", "nej"}


def resolve_params(
    definitions: Mapping[str, ParamSchema], values: Mapping[str, Any], *, from_text: bool = False
) -> dict[str, Value]:
    """Every parameter's value: the given one, checked, or the default.

    With ``from_text`` the values are strings from a command line or a form (``"3"``, ``"true"``)
    and are converted to the parameter's type first.
    """
    items: list[ErrorItem] = []
    for name in values:
        if name not in definitions:
            hints = difflib.get_close_matches(name, list(definitions), n=1, cutoff=0.6)
            if hints:
                items.append(ErrorItem(name, MSG_UNKNOWN_HINT, {"name": name, "hint": hints[0]}))
            else:
                known = ", ".join(definitions) or "-"
                items.append(ErrorItem(name, MSG_UNKNOWN, {"name": name, "known": known}))
    resolved: dict[str, Value] = {}
    for name, param in definitions.items():
        if name not in values:
            resolved[name] = param.default
            continue
        try:
            resolved[name] = check_value(param, values[name], from_text=from_text)
        except ParameterError as exc:
            items.extend(item.at(name) for item in exc.items)
    if items:
        raise ParameterError(items)
    return resolved


def check_value(param: ParamSchema, raw: Any, *, from_text: bool = False) -> Value:
    """One value converted to and checked against ``param``; raises ParameterError."""
    value = _from_text(param, raw) if from_text and isinstance(raw, str) else raw
    shown = short_repr(raw)
    kind = param.type
    if kind == "integer":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError.single("", MSG_INTEGER, value=shown)
    elif kind in {"number", "length", "angle"}:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value):
            raise ParameterError.single("", MSG_NUMBER, value=shown)
    elif kind == "boolean" and not isinstance(value, bool):
        raise ParameterError.single("", MSG_BOOLEAN, value=shown)
    elif kind == "choice" and value not in (param.options or []):
        raise ParameterError.single(
            "", MSG_CHOICE, options=", ".join(param.options or []), value=shown
        )
    elif kind == "color":
        if not isinstance(value, str) or not COLOR_RE.match(value):
            raise ParameterError.single("", MSG_COLOR, value=shown)
        value = value.lower()
    elif kind == "text" and not _is_text(value):
        raise ParameterError.single("", MSG_TEXT, limit=limits.TEXT_PARAM_CHARS)
    if param.min is not None and value < param.min:
        raise ParameterError.single("", MSG_BELOW, min=param.min, value=shown)
    if param.max is not None and value > param.max:
        raise ParameterError.single("", MSG_ABOVE, max=param.max, value=shown)
    assert isinstance(value, int | float | bool | str)
    return value


def _from_text(param: ParamSchema, text: str) -> Any:
    text = text.strip()
    if param.type == "boolean":
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    if param.type == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if param.type in {"number", "length", "angle"}:
        try:
            return float(text.replace(",", ".")) if text.lower() not in {"nan", "inf"} else text
        except ValueError:
            return text
    return text


def _is_text(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > limits.TEXT_PARAM_CHARS:
        return False
    return not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in value)
