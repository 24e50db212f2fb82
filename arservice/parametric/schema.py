"""Template format v1 as pydantic schemas: the shape of a template, checked key by key.

These schemas check structure and types only (is ``size`` a list of three numbers or
expressions?). What needs the whole template — which keys a shape takes, whether a name exists,
whether an expression parses — is checked by :mod:`arservice.parametric.validate`, which reports
everything at once. The published JSON Schema (``assets/schema/template-v1.json``) is generated
from these classes by :func:`template_json_schema`.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from arservice.i18n import N_
from arservice.parametric.shapes import REQUIRED, SHAPES

FORMAT = "arservice/template@1"
SCHEMA_ID = "https://arservice.example/schema/template-v1.json"

SHAPE_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    name: (REQUIRED[name], keys - REQUIRED[name]) for name, keys in SHAPES.items()
}
"""Each shape's (required keys, optional keys), from :mod:`arservice.parametric.shapes`."""
ALL_SHAPE_KEYS = frozenset().union(*(req | opt for req, opt in SHAPE_KEYS.values()))

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
EXPRESSION_RE = r"^=.+"

# Messages for the value kinds below; the msgid is the English text.
MSG_NUMBER = N_("must be a number or an expression starting with '=' (got {value})")
MSG_BOOLEAN = N_("must be true, false or an expression starting with '=' (got {value})")
MSG_LITERAL = N_("must be a number, true/false, a text or an expression (got {value})")
MSG_COLOR = N_("must be a colour as #rrggbb or an expression starting with '=' (got {value})")
MSG_NOT_FINITE = N_("must be a finite number (got {value})")
MSG_TOO_LARGE = N_("must be between -1e9 and 1e9 (got {value})")
MSG_PLAIN_NUMBER = N_("must be a number, not an expression (got {value})")
MSG_SCALE = N_("must be one number or a list of three [sx, sy, sz] (got {value})")
LARGEST = 1e9


def short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any) -> int | float | str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError("number", MSG_NUMBER, {"value": short_repr(value)})
    if isinstance(value, str) and not value.startswith("="):
        raise PydanticCustomError("number", MSG_NUMBER, {"value": short_repr(value)})
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("not_finite", MSG_NOT_FINITE, {"value": short_repr(value)})
    if isinstance(value, int | float) and abs(value) > LARGEST:
        raise PydanticCustomError("too_large", MSG_TOO_LARGE, {"value": short_repr(value)})
    return value


def _plain_number(value: Any) -> int | float:
    if isinstance(value, str):
        raise PydanticCustomError("plain_number", MSG_PLAIN_NUMBER, {"value": short_repr(value)})
    number = _number(value)
    assert not isinstance(number, str)
    return number


def _scale(value: Any) -> int | float | str | list[int | float | str]:
    if isinstance(value, list):
        if len(value) != 3:
            raise PydanticCustomError("scale", MSG_SCALE, {"value": short_repr(value)})
        return [_number(item) for item in value]
    return _number(value)


def _boolean(value: Any) -> bool | str:
    if isinstance(value, bool) or (isinstance(value, str) and value.startswith("=")):
        return value
    raise PydanticCustomError("boolean", MSG_BOOLEAN, {"value": short_repr(value)})


def _literal(value: Any) -> int | float | bool | str:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _number(value)
    raise PydanticCustomError("literal", MSG_LITERAL, {"value": short_repr(value)})


def _color(value: Any) -> str:
    if isinstance(value, str) and (value.startswith("=") or COLOR_RE.match(value)):
        return value
    raise PydanticCustomError("color", MSG_COLOR, {"value": short_repr(value)})


_EXPR_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": EXPRESSION_RE,
    "description": "An expression, as in a spreadsheet: '=width / 2'.",
}

Number = Annotated[
    int | float | str,
    PlainValidator(_number),
    WithJsonSchema({"anyOf": [{"type": "number"}, _EXPR_SCHEMA]}),
]
"""A number, or an expression that gives one."""

Boolean = Annotated[
    bool | str,
    PlainValidator(_boolean),
    WithJsonSchema({"anyOf": [{"type": "boolean"}, _EXPR_SCHEMA]}),
]
Literal_ = Annotated[
    int | float | bool | str,
    PlainValidator(_literal),
    WithJsonSchema({"type": ["number", "boolean", "string"]}),
]
Color = Annotated[
    str,
    PlainValidator(_color),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": COLOR_RE.pattern}, _EXPR_SCHEMA]}),
]
PlainNumber = Annotated[
    int | float, PlainValidator(_plain_number), WithJsonSchema({"type": "number"})
]
"""A number written out: no expression (a parameter's min, max and step)."""
Scale = Annotated[
    int | float | str | list[int | float | str],
    PlainValidator(_scale),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number"},
                _EXPR_SCHEMA,
                {
                    "type": "array",
                    "items": {"anyOf": [{"type": "number"}, _EXPR_SCHEMA]},
                    "minItems": 3,
                    "maxItems": 3,
                },
            ]
        }
    ),
]
"""One factor for all axes, or ``[sx, sy, sz]``; each a number or an expression."""
Vec2 = Annotated[list[Number], Field(min_length=2, max_length=2)]
Vec3 = Annotated[list[Number], Field(min_length=3, max_length=3)]

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
"""A name an expression can read: a parameter or a ``let`` value."""
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_-]*$", max_length=64)]
"""A material, component or part name."""
LangText = Annotated[
    dict[Annotated[str, Field(pattern=r"^[a-z]{2,3}$")], Annotated[str, Field(max_length=2000)]],
    Field(min_length=1),
]
"""A text per language code: ``{fi: ..., sv: ..., en: ...}``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


ParamType = Literal["integer", "number", "length", "angle", "boolean", "choice", "color", "text"]


class ParamSchema(_Strict):
    """One parameter a planner sets: its type, range and labels."""

    type: ParamType
    default: Annotated[int | float | bool | str, PlainValidator(_literal)] = Field(
        json_schema_extra={"type": ["number", "boolean", "string"]}
    )
    min: PlainNumber | None = None
    max: PlainNumber | None = None
    step: PlainNumber | None = None
    options: Annotated[list[Name], Field(min_length=1, max_length=100)] | None = None
    option_labels: dict[Name, LangText] | None = None
    """A choice's options as a planner reads them (and as ``{name}`` in a text shows them)."""
    label: LangText | None = None
    help: LangText | None = None
    group: Annotated[str, Field(max_length=64)] | None = None


class CheckSchema(_Strict):
    """A rule the values must meet; its message is shown when they do not."""

    assert_: Boolean = Field(alias="assert")
    message: LangText


class MaterialSchema(_Strict):
    """A PBR material: colour (sRGB), metallic, roughness, opacity."""

    color: Color = "#808080"
    metallic: Number = 0.0
    roughness: Number = 0.8
    opacity: Number = 1.0
    label: LangText | None = None


class CountRepeat(_Strict):
    count: Number
    step: Vec3


class GridSpec(_Strict):
    nx: Number
    nz: Number
    dx: Number
    dz: Number


class RingSpec(_Strict):
    count: Number
    radius: Number


class RepeatSchema(_Strict):
    """``{count, step}``, ``{grid: {nx, nz, dx, dz}}`` or ``{ring: {count, radius}}``."""

    count: Number | None = None
    step: Vec3 | None = None
    grid: GridSpec | None = None
    ring: RingSpec | None = None


class PartSchema(_Strict):
    """A shape, a component (``use``) or an uploaded GLB (``asset``), placed and repeated."""

    name: Name | None = None
    shape: Annotated[str, Field(max_length=32)] | None = None
    use: Name | None = None
    asset: Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.glb$")] | None = None
    material: Annotated[str, Field(max_length=200)] | None = None
    at: Vec3 | None = None
    rotate: Vec3 | None = None
    scale: Scale | None = None
    if_: Boolean | None = Field(default=None, alias="if")
    repeat: RepeatSchema | None = None
    # Shape keys; which ones a shape takes is checked in validate.py against shapes.SHAPES.
    size: Vec3 | None = None
    radius: Number | None = None
    height: Number | None = None
    length: Number | None = None
    tube: Number | None = None
    axis: Literal["x", "y", "z"] | None = None
    polygon: Annotated[list[Vec2], Field(min_length=3, max_length=1000)] | None = None
    path: Annotated[list[Vec3], Field(min_length=2, max_length=1000)] | None = None


class TemplateSchema(_Strict):
    """A whole template, format ``arservice/template@1``."""

    format: Literal["arservice/template@1"]
    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
    version: Annotated[int, Field(strict=True, ge=1)]
    title: LangText
    description: LangText | None = None
    groups: dict[Annotated[str, Field(max_length=64)], LangText] = Field(default_factory=dict)
    """The parameters' groups as a planner reads them, in the order the form shows them."""
    params: dict[Identifier, ParamSchema] = Field(default_factory=dict)
    let: dict[Identifier, Literal_] = Field(default_factory=dict)
    checks: list[CheckSchema] = Field(default_factory=list)
    materials: dict[Name, MaterialSchema] = Field(default_factory=dict)
    components: dict[Name, Annotated[list[PartSchema], Field(min_length=1)]] = Field(
        default_factory=dict
    )
    parts: Annotated[list[PartSchema], Field(min_length=1)]

    def option_labels(self) -> dict[str, dict[str, dict[str, str]]]:
        """Per choice parameter that labels its options: option -> language -> label."""
        return {name: p.option_labels for name, p in self.params.items() if p.option_labels}


def template_json_schema() -> dict[str, Any]:
    """The JSON Schema of format v1, for editors: generated from the classes above."""
    schema = TemplateSchema.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "arservice template, format v1"
    part = schema["$defs"]["PartSchema"]
    part["properties"]["shape"]["anyOf"][0]["enum"] = sorted(SHAPE_KEYS)
    part["oneOf"] = [
        {"required": ["shape"], "not": {"anyOf": [{"required": ["use"]}, {"required": ["asset"]}]}},
        {"required": ["use"], "not": {"anyOf": [{"required": ["shape"]}, {"required": ["asset"]}]}},
        {"required": ["asset"], "not": {"anyOf": [{"required": ["shape"]}, {"required": ["use"]}]}},
    ]
    part["allOf"] = [
        {
            "if": {"properties": {"shape": {"const": shape}}, "required": ["shape"]},
            "then": {"required": sorted(required)},
        }
        for shape, (required, _optional) in sorted(SHAPE_KEYS.items())
    ]
    return schema


class MaterialLibrarySchema(_Strict):
    """``assets/materials.yaml``: the presets every template may name."""

    format: Literal["arservice/materials@1"]
    materials: dict[Name, MaterialSchema]
