"""What a template must satisfy as a whole, checked all at once, and its compiled form.

The schemas (:mod:`.schema`) have checked every value's type. Here we check what needs the
whole template: each part is one of shape / use / asset with its shape's keys; every name an
expression reads exists where it is read; materials and components exist; components do not use
themselves and nest at most :data:`limits.NESTING_DEPTH` deep; parameter defaults fit their
ranges. Every problem becomes one :class:`ErrorItem` with its place; the first problem never
hides the others.

The result, :class:`Template`, holds every expression parsed once, ready to build many times.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from arservice.errors import ErrorItem, ExpressionError, TemplateError
from arservice.i18n import N_
from arservice.parametric import limits
from arservice.parametric.expressions import FUNCTIONS, Expression, parse_expression
from arservice.parametric.schema import (
    ALL_SHAPE_KEYS,
    COLOR_RE,
    SHAPE_KEYS,
    MaterialSchema,
    ParamSchema,
    PartSchema,
    TemplateSchema,
)
from arservice.parametric.texts import PLACEHOLDER_RE

NUMERIC_TYPES = frozenset({"integer", "number", "length", "angle"})
LOOP_NAMES = frozenset({"i", "j"})
RESERVED = frozenset(
    {"pi", "true", "false", "True", "False", "None", "and", "or", "not", "if", "else", "in", "is"}
    | LOOP_NAMES
    | FUNCTIONS
)

MSG_RESERVED = N_("'{name}' is reserved in expressions; choose another name")
MSG_LET_SHADOWS = N_("'{name}' is already a parameter; choose another name")
MSG_DEFAULT_RANGE = N_("the default {value} is outside {min}..{max}")
MSG_MIN_ABOVE_MAX = N_("min ({min}) is greater than max ({max})")
MSG_KEY_NOT_FOR_TYPE = N_("'{key}' does not apply to a parameter of type {type}")
MSG_OPTIONS_REQUIRED = N_("a choice parameter needs 'options', a list of names")
MSG_DEFAULT_NOT_OPTION = N_("the default '{value}' is not one of the options {options}")
MSG_LABEL_NOT_OPTION = N_("'{value}' is not one of the options {options}; label only those")
MSG_UNKNOWN_GROUP = N_("there is no group '{name}' in 'groups'; groups are: {known}")
MSG_UNKNOWN_NAME = N_("'{name}' is not defined here; known names: {known}")
MSG_UNKNOWN_NAME_HINT = N_("'{name}' is not defined here; did you mean '{hint}'?")
MSG_LOOP_NAME = N_("'{name}' is only defined inside a part with 'repeat'")
MSG_PART_KIND = N_("a part needs exactly one of 'shape', 'use' or 'asset' (it has {found})")
MSG_PART_KIND_NONE = N_("a part needs one of 'shape', 'use' or 'asset'; it has none")
MSG_UNKNOWN_SHAPE = N_("unknown shape '{shape}'; shapes are: {shapes}")
MSG_UNKNOWN_SHAPE_HINT = N_("unknown shape '{shape}'; did you mean '{hint}'?")
MSG_SHAPE_KEY_MISSING = N_("a {shape} needs '{key}'")
MSG_SHAPE_KEY_EXTRA = N_("'{key}' does not apply to a {shape}; a {shape} takes {keys}")
MSG_NOT_SHAPE_KEY = N_("'{key}' is only for shapes; remove it from a part that uses '{kind}'")
MSG_UNKNOWN_COMPONENT = N_("there is no component '{name}'; components are: {known}")
MSG_UNKNOWN_MATERIAL = N_(
    "there is no material '{name}' in the template's materials or the material library"
)
MSG_ASSET_MATERIAL = N_("an uploaded model keeps its own materials; remove 'material'")
MSG_REPEAT_FORM = N_(
    "a repeat is one of {{count, step}}, {{grid: {{nx, nz, dx, dz}}}} "
    "or {{ring: {{count, radius}}}}"
)
MSG_REPEAT_COUNT = N_("a repeat makes at most {limit} copies (got {value})")
MSG_REPEAT_NEGATIVE = N_("must be a whole number of copies, 0 or more (got {value})")
MSG_COMPONENT_CYCLE = N_("component '{name}' uses itself: {chain}")
MSG_NESTING = N_("components nest {depth} deep ({chain}); the limit is {limit}")
MSG_FACTOR_RANGE = N_("must be between 0 and 1 (got {value})")
MSG_PLACEHOLDER = N_("the placeholder {{{name}}} is not a parameter or a let value")


@dataclass(frozen=True)
class Template:
    """A checked template, every expression parsed once; build it with ``build_scene``."""

    schema: TemplateSchema
    expressions: Mapping[str, Expression] = field(repr=False)

    @property
    def id(self) -> str:
        return self.schema.id

    @property
    def version(self) -> int:
        return self.schema.version

    @property
    def params(self) -> Mapping[str, ParamSchema]:
        return self.schema.params


def validate_template(template: TemplateSchema, library: Mapping[str, MaterialSchema]) -> Template:
    """Check ``template`` as a whole against the material ``library``; raise TemplateError."""
    checker = _Checker(template, library)
    checker.run()
    if checker.items:
        raise TemplateError(checker.items)
    return Template(template, checker.expressions)


def whole_template_problems(
    salvaged: TemplateSchema,
    library: Mapping[str, MaterialSchema],
    names: frozenset[str],
    materials: frozenset[str],
) -> list[ErrorItem]:
    """The whole-template problems of what was valid in a template whose schema check failed.

    ``salvaged`` holds the parts that passed (``None`` in place of the others); ``names`` and
    ``materials`` are the names the template defines in entries that did not pass, so nothing
    is reported as unknown merely because its definition had a type error.
    """
    checker = _Checker(salvaged, library, names, materials)
    checker.run()
    return checker.items


class _Checker:
    def __init__(
        self,
        template: TemplateSchema,
        library: Mapping[str, MaterialSchema],
        extra_names: frozenset[str] = frozenset(),
        extra_materials: frozenset[str] = frozenset(),
    ) -> None:
        self.t = template
        self.library = library
        self.extra_names = extra_names
        self.extra_materials = extra_materials
        self.items: list[ErrorItem] = []
        self.expressions: dict[str, Expression] = {}

    def error(self, loc: str, msgid: str, **params: Any) -> None:
        self.items.append(ErrorItem(loc, msgid, params))

    def run(self) -> None:
        self.check_params()
        known = set(self.t.params) | self.extra_names
        self.check_lets(known)
        for k, check in enumerate(self.t.checks):
            self.check_value(f"checks[{k}].assert", check.assert_, known)
        for name, material in self.t.materials.items():
            self.check_material(f"materials.{name}", material, known)
        self.check_texts(known)
        self.check_components_graph()
        for name, parts in self.t.components.items():
            for k, part in enumerate(parts):
                if part is not None:  # None: a part that failed the schema check
                    self.check_part(f"components.{name}[{k}]", part, known | LOOP_NAMES)
        for k, part in enumerate(self.t.parts):
            if part is None:
                continue
            loops = _loop_names(part)
            self.check_part(f"parts[{k}]", part, known | loops, loops_outside=LOOP_NAMES - loops)

    # -- params, let, materials, texts -------------------------------------------------------
    def check_params(self) -> None:
        for name, param in self.t.params.items():
            loc = f"params.{name}"
            if name in RESERVED:
                self.error(loc, MSG_RESERVED, name=name)
            for key, msgid, values in _param_problems(param):
                self.error(f"{loc}.{key}" if key else loc, msgid, **values)
            if self.t.groups and param.group is not None and param.group not in self.t.groups:
                known = ", ".join(self.t.groups)
                self.error(f"{loc}.group", MSG_UNKNOWN_GROUP, name=param.group, known=known)

    def check_lets(self, known: set[str]) -> None:
        for name, value in self.t.let.items():
            loc = f"let.{name}"
            if name in RESERVED:
                self.error(loc, MSG_RESERVED, name=name)
            elif name in self.t.params:
                self.error(loc, MSG_LET_SHADOWS, name=name)
            self.check_value(loc, value, known)
            known.add(name)

    def check_material(self, loc: str, material: MaterialSchema, known: set[str]) -> None:
        self.check_value(f"{loc}.color", material.color, known)
        for key in ("metallic", "roughness", "opacity"):
            value = getattr(material, key)
            self.check_value(f"{loc}.{key}", value, known)
            if isinstance(value, int | float) and not 0 <= value <= 1:
                self.error(f"{loc}.{key}", MSG_FACTOR_RANGE, value=value)

    def check_texts(self, known: set[str]) -> None:
        for lang, text in (self.t.description or {}).items():
            for name in PLACEHOLDER_RE.findall(text):
                if name not in known:
                    self.error(f"description.{lang}", MSG_PLACEHOLDER, name=name)

    # -- expressions -------------------------------------------------------------------------
    def check_value(
        self, loc: str, value: Any, known: set[str], loops_outside: frozenset[str] = frozenset()
    ) -> None:
        """Parse ``value`` if it is an expression and check the names it reads."""
        if isinstance(value, list):
            for k, item in enumerate(value):
                self.check_value(f"{loc}[{k}]", item, known, loops_outside)
            return
        if not (isinstance(value, str) and value.startswith("=")):
            return
        source = value[1:]
        try:
            expression = self.expressions.get(source) or parse_expression(source)
        except ExpressionError as exc:
            self.items.extend(item.at(loc) for item in exc.items)
            return
        self.expressions[source] = expression
        for name in sorted(expression.names - known):
            if name in loops_outside:
                self.error(loc, MSG_LOOP_NAME, name=name)
            else:
                self.unknown(loc, MSG_UNKNOWN_NAME, MSG_UNKNOWN_NAME_HINT, name, known)

    def unknown(
        self, loc: str, msgid: str, hint_msgid: str, name: str, known: Iterable[str]
    ) -> None:
        known = sorted(known)
        hints = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if hints:
            self.error(loc, hint_msgid, name=name, shape=name, hint=hints[0])
        else:
            self.error(loc, msgid, name=name, shape=name, known=", ".join(known) or "-")

    # -- parts -------------------------------------------------------------------------------
    def check_part(
        self,
        loc: str,
        part: PartSchema,
        known: set[str],
        loops_outside: frozenset[str] = frozenset(),
    ) -> None:
        set_keys = part.model_fields_set
        kinds = [kind for kind in ("shape", "use", "asset") if getattr(part, kind) is not None]
        if not kinds:
            self.error(loc, MSG_PART_KIND_NONE)
        elif len(kinds) > 1:
            self.error(loc, MSG_PART_KIND, found=", ".join(kinds))
        elif part.shape is not None:
            self.check_shape_keys(loc, part.shape, set_keys)
        else:
            for key in sorted(set_keys & ALL_SHAPE_KEYS):
                self.error(f"{loc}.{key}", MSG_NOT_SHAPE_KEY, key=key, kind=kinds[0])
        if part.use is not None and part.use not in self.t.components:
            known_components = ", ".join(sorted(self.t.components)) or "-"
            self.error(f"{loc}.use", MSG_UNKNOWN_COMPONENT, name=part.use, known=known_components)
        if part.asset is not None and part.material is not None:
            self.error(f"{loc}.material", MSG_ASSET_MATERIAL)
        literal = part.material is not None and not part.material.startswith("=")
        defined = {*self.t.materials, *self.library, *self.extra_materials}
        if literal and part.material not in defined:
            self.error(f"{loc}.material", MSG_UNKNOWN_MATERIAL, name=part.material)
        if part.repeat is not None:
            self.check_repeat(f"{loc}.repeat", part, known - LOOP_NAMES)
        for key in sorted(set_keys - {"name", "shape", "use", "asset", "repeat", "axis"}):
            alias = {"if_": "if"}.get(key, key)
            self.check_value(f"{loc}.{alias}", getattr(part, key), known, loops_outside)

    def check_shape_keys(self, loc: str, shape: str, set_keys: set[str]) -> None:
        if shape not in SHAPE_KEYS:
            self.unknown(
                f"{loc}.shape", MSG_UNKNOWN_SHAPE, MSG_UNKNOWN_SHAPE_HINT, shape, SHAPE_KEYS
            )
            return
        required, optional = SHAPE_KEYS[shape]
        for key in sorted(required - set_keys):
            self.error(loc, MSG_SHAPE_KEY_MISSING, shape=shape, key=key)
        for key in sorted((set_keys & ALL_SHAPE_KEYS) - required - optional):
            takes = ", ".join(sorted(required | optional))
            self.error(f"{loc}.{key}", MSG_SHAPE_KEY_EXTRA, key=key, shape=shape, keys=takes)

    def check_repeat(self, loc: str, part: PartSchema, known: set[str]) -> None:
        repeat = part.repeat
        assert repeat is not None
        forms = [
            repeat.count is not None and repeat.step is not None,
            repeat.grid is not None,
            repeat.ring is not None,
        ]
        extra = repeat.count is not None or repeat.step is not None
        if sum(forms) != 1 or (extra and not forms[0]):
            self.error(loc, MSG_REPEAT_FORM)
            return
        counts: list[tuple[str, Any]] = []
        if repeat.count is not None:
            counts = [(f"{loc}.count", repeat.count)]
            self.check_value(f"{loc}.step", repeat.step, known)
        elif repeat.grid is not None:
            grid = repeat.grid
            counts = [(f"{loc}.grid.nx", grid.nx), (f"{loc}.grid.nz", grid.nz)]
            self.check_value(f"{loc}.grid.dx", grid.dx, known)
            self.check_value(f"{loc}.grid.dz", grid.dz, known)
        elif repeat.ring is not None:
            counts = [(f"{loc}.ring.count", repeat.ring.count)]
            self.check_value(f"{loc}.ring.radius", repeat.ring.radius, known)
        for count_loc, value in counts:
            self.check_value(count_loc, value, known)
            if isinstance(value, int | float) and not (value >= 0 and float(value).is_integer()):
                self.error(count_loc, MSG_REPEAT_NEGATIVE, value=value)
            elif isinstance(value, int | float) and value > limits.REPEAT_COUNT:
                self.error(count_loc, MSG_REPEAT_COUNT, limit=limits.REPEAT_COUNT, value=value)

    # -- components --------------------------------------------------------------------------
    def check_components_graph(self) -> None:
        uses = {
            name: [part.use for part in parts if part is not None and part.use in self.t.components]
            for name, parts in self.t.components.items()
        }
        reported: set[str] = set()

        def visit(name: str, chain: tuple[str, ...]) -> None:
            if name in chain:
                if name not in reported:
                    reported.add(name)
                    loop = " → ".join((*chain[chain.index(name) :], name))
                    self.error(f"components.{name}", MSG_COMPONENT_CYCLE, name=name, chain=loop)
                return
            chain = (*chain, name)
            if len(chain) > limits.NESTING_DEPTH:
                if chain[0] not in reported:
                    reported.add(chain[0])
                    self.error(
                        f"components.{chain[0]}",
                        MSG_NESTING,
                        depth=len(chain),
                        chain=" → ".join(chain),
                        limit=limits.NESTING_DEPTH,
                    )
                return
            for used in uses[name]:
                visit(str(used), chain)

        for name in self.t.components:
            visit(name, ())


def _loop_names(part: PartSchema) -> frozenset[str]:
    if part.repeat is None:
        return frozenset()
    return LOOP_NAMES if part.repeat.grid is not None else frozenset({"i"})


def _param_problems(param: ParamSchema) -> list[tuple[str, str, dict[str, Any]]]:
    """What is wrong with one parameter definition: (key, msgid, values)."""
    kind, default = param.type, param.default
    problems: list[tuple[str, str, dict[str, Any]]] = []
    numeric = kind in NUMERIC_TYPES
    for key in ("min", "max", "step"):
        if getattr(param, key) is not None and not numeric:
            problems.append((key, MSG_KEY_NOT_FOR_TYPE, {"key": key, "type": kind}))
    for key in ("options", "option_labels"):
        if getattr(param, key) is not None and kind != "choice":
            problems.append((key, MSG_KEY_NOT_FOR_TYPE, {"key": key, "type": kind}))
    if kind == "choice" and param.options and param.option_labels:
        options = ", ".join(param.options)
        problems += [
            (f"option_labels.{value}", MSG_LABEL_NOT_OPTION, {"value": value, "options": options})
            for value in param.option_labels
            if value not in param.options
        ]
    wrong_default = _default_problem(kind, default)
    if wrong_default:
        problems.append(("default", wrong_default, {}))
        return problems
    if numeric and isinstance(default, int | float):
        low, high = param.min, param.max
        if low is not None and high is not None and low > high:
            problems.append(("min", MSG_MIN_ABOVE_MAX, {"min": low, "max": high}))
        elif (low is not None and default < low) or (high is not None and default > high):
            span = {"min": "-∞" if low is None else low, "max": "∞" if high is None else high}
            problems.append(("default", MSG_DEFAULT_RANGE, {"value": default, **span}))
    if kind == "choice":
        if not param.options:
            problems.append(("options", MSG_OPTIONS_REQUIRED, {}))
        elif default not in param.options:
            options = ", ".join(param.options)
            problems.append(
                ("default", MSG_DEFAULT_NOT_OPTION, {"value": default, "options": options})
            )
    return problems


def _default_problem(kind: str, default: Any) -> str | None:
    """None when ``default`` fits a parameter of type ``kind``, else the msgid saying why not."""
    number = isinstance(default, int | float) and not isinstance(default, bool)
    if isinstance(default, str) and default.startswith("="):
        return N_("the default must be a value, not an expression")
    if kind == "integer" and not (number and isinstance(default, int)):
        return N_("the default of an integer parameter must be a whole number")
    if kind in NUMERIC_TYPES and not number:
        return N_("the default of a number, length or angle parameter must be a number")
    if kind == "boolean" and not isinstance(default, bool):
        return N_("the default of a boolean parameter must be true or false")
    if kind == "color" and not (isinstance(default, str) and COLOR_RE.match(default)):
        return N_("the default of a color parameter must be a colour as #rrggbb")
    if kind == "text" and not (
        isinstance(default, str) and len(default) <= limits.TEXT_PARAM_CHARS
    ):
        return N_("the default of a text parameter must be a text of at most 200 characters")
    if kind == "choice" and not isinstance(default, str):
        return N_("the default of a choice parameter must be one of its options")
    return None
