"""``(template, values) -> Scene``: the parametric generator.

Order, as DESIGN.md gives it: parameter values, then ``let`` in order, then every ``check`` (all
failures reported at once), then materials and parts. Parts are built in two passes:

1. *expand*: walk parts, components and repeats, evaluating expressions into placements (a
   shape and its arguments, a matrix, a material). No geometry yet; the node and triangle limits
   are checked as the walk goes, so a hostile template stops within milliseconds;
2. *build*: make each distinct shape once (repeated parts share one ``MeshData``), then place
   the whole model on the ground by the model contract.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from arservice.errors import BuildError, ErrorItem, ExpressionError
from arservice.i18n import N_
from arservice.parametric import limits, shapes
from arservice.parametric.params import resolve_params
from arservice.parametric.scene import (
    Instance,
    Material,
    Matrix,
    MeshData,
    Scene,
    SceneInfo,
    Value,
    srgb_to_linear,
)
from arservice.parametric.schema import ALL_SHAPE_KEYS, COLOR_RE, MaterialSchema, PartSchema
from arservice.parametric.texts import render_texts
from arservice.parametric.transforms import local_matrix, translation
from arservice.parametric.validate import MSG_UNKNOWN_MATERIAL, Template

MSG_NOT_NUMBER = N_("must give a number (it gave {value})")
MSG_NOT_BOOLEAN = N_("must give true or false (it gave {value})")
MSG_NOT_TEXT = N_("must give a name (it gave {value})")
MSG_NOT_COLOR = N_("must give a colour as #rrggbb (it gave {value})")
MSG_COUNT = N_("must give a whole number of copies from 0 to {limit} (it gave {value})")
MSG_CHECK_FAILED = N_("check failed")
MSG_NODES = N_("the model has more than {limit} parts after repeats; lower the repeat counts")
MSG_COPIES = N_(
    "the repeats make more than {limit} copies, counting those that 'if' leaves out; "
    "lower the repeat counts"
)
MSG_ZERO_SCALE = N_("a scale of 0 flattens the part to nothing; use a number other than 0")
MSG_TRIANGLES = N_(
    "the model would have about {count} triangles; the limit is {limit} (aim under 50,000)"
)
MSG_MATERIALS = N_("the model uses {count} materials; the model contract allows at most {limit}")
MSG_NO_ASSET = N_("the uploaded model '{name}' is missing; upload it with the template")

NEUTRAL = "neutral-grey"
MAX_MATERIALS = 10
MAX_TRIANGLES_CONTRACT = 100_000


@dataclass(frozen=True)
class Asset:
    """An uploaded GLB component, read into our types (``arservice.gltf.read_glb_asset``)."""

    instances: tuple[Instance, ...]
    materials: Mapping[str, Material]

    @property
    def triangle_count(self) -> int:
        return sum(instance.mesh.triangle_count for instance in self.instances)


_Copy = tuple[Mapping[str, Value], str, list[float], float]
"""One copy a repeat makes: (environment with i/j, name suffix, offset, turn about y)."""


@dataclass
class _Placement:
    name: str
    loc: str
    matrix: Matrix
    material: str
    shape: str = ""
    args: tuple[tuple[str, Any], ...] = ()
    asset: str = ""


@dataclass
class _Build:
    """State of one build: the environment and what the walk has placed so far."""

    template: Template
    library: Mapping[str, MaterialSchema]
    assets: Mapping[str, Asset]
    env: dict[str, Value]
    placements: list[_Placement] = field(default_factory=list)
    copies: int = 0
    triangles: int = 0
    materials: dict[str, Material] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # material name -> the one drawn

    def value(self, loc: str, raw: Any, env: Mapping[str, Value]) -> Any:
        if isinstance(raw, list):
            return [self.value(f"{loc}[{k}]", item, env) for k, item in enumerate(raw)]
        if isinstance(raw, str) and raw.startswith("="):
            try:
                return self.template.expressions[raw[1:]].evaluate(env)
            except ExpressionError as exc:
                raise BuildError(item.at(loc) for item in exc.items) from None
        return raw

    def number(self, loc: str, raw: Any, env: Mapping[str, Value]) -> float:
        value = self.value(loc, raw, env)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BuildError.single(loc, MSG_NOT_NUMBER, value=repr(value))
        return float(value)

    def vector(self, loc: str, raw: list[Any] | None, env: Mapping[str, Value]) -> list[float]:
        if raw is None:
            return [0.0, 0.0, 0.0]
        return [self.number(f"{loc}[{k}]", item, env) for k, item in enumerate(raw)]


def build_scene(
    template: Template,
    values: Mapping[str, Any] | None = None,
    *,
    library: Mapping[str, MaterialSchema],
    assets: Mapping[str, Asset] | None = None,
) -> Scene:
    """Build the model ``template`` describes with ``values`` (defaults for the rest).

    Raises ParameterError for bad values and BuildError for failing checks, expressions that
    fail on these values, and limits passed.
    """
    params = resolve_params(template.schema.params, values or {})
    build = _Build(template, library, assets or {}, dict(params))
    _evaluate_lets(build)
    _run_checks(build)
    _expand(build, template.schema.parts, "parts", build.env, np.identity(4), "", None)
    instances = _instantiate(build)
    schema = template.schema
    texts = render_texts(schema.description or {}, build.env, schema.option_labels())
    info = SceneInfo(template.id, template.version, params, template.schema.title, texts)
    return Scene(_place_on_ground(instances), dict(build.materials), info)


def _evaluate_lets(build: _Build) -> None:
    for name, raw in build.template.schema.let.items():
        build.env[name] = build.value(f"let.{name}", raw, build.env)


def _run_checks(build: _Build) -> None:
    failures: list[ErrorItem] = []
    for k, check in enumerate(build.template.schema.checks):
        loc = f"checks[{k}]"
        if not _truth(build, f"{loc}.assert", check.assert_, build.env):
            failures.append(ErrorItem(loc, MSG_CHECK_FAILED, texts=check.message))
    if failures:
        raise BuildError(failures)


def _truth(build: _Build, loc: str, raw: Any, env: Mapping[str, Value]) -> bool:
    value = build.value(loc, raw, env)
    if not isinstance(value, bool):
        raise BuildError.single(loc, MSG_NOT_BOOLEAN, value=repr(value))
    return value


# -- expand: parts, components and repeats into placements ----------------------------------
def _expand(
    build: _Build,
    parts: list[PartSchema],
    loc: str,
    outer: Mapping[str, Value],
    parent: Matrix,
    prefix: str,
    inherited_material: str | None,
) -> None:
    for k, part in enumerate(parts):
        part_loc = f"{loc}[{k}]"
        for env, suffix, offset, turn in _copies(build, part, part_loc, outer):
            build.copies += 1
            if build.copies > limits.COPIES:
                raise BuildError.single(part_loc, MSG_COPIES, limit=f"{limits.COPIES:,}")
            if part.if_ is not None and not _truth(build, f"{part_loc}.if", part.if_, env):
                continue
            _place(
                build,
                part,
                part_loc,
                env,
                parent,
                f"{prefix}{_base_name(part)}{suffix}",
                offset,
                turn,
                inherited_material,
            )


def _place(
    build: _Build,
    part: PartSchema,
    loc: str,
    env: Mapping[str, Value],
    parent: Matrix,
    name: str,
    offset: list[float],
    turn: float,
    inherited_material: str | None,
) -> None:
    at = [a + b for a, b in zip(build.vector(f"{loc}.at", part.at, env), offset, strict=True)]
    rotate = build.vector(f"{loc}.rotate", part.rotate, env)
    matrix = parent @ local_matrix(at, rotate, _scale(build, part, loc, env), turn)
    if len(build.placements) >= limits.NODES:
        raise BuildError.single(loc, MSG_NODES, limit=limits.NODES)
    material = _material_name(build, part, loc, env, inherited_material)
    if part.use is not None:
        build.placements.append(_Placement(name, loc, matrix, material or NEUTRAL))
        components = build.template.schema.components
        _expand(
            build, components[part.use], f"components.{part.use}", env, matrix, f"{name}/", material
        )
    elif part.asset is not None:
        _place_asset(build, part.asset, loc, name, matrix)
    else:
        _place_shape(build, part, loc, env, name, matrix, material or NEUTRAL)


def _place_shape(
    build: _Build,
    part: PartSchema,
    loc: str,
    env: Mapping[str, Value],
    name: str,
    matrix: Matrix,
    material: str,
) -> None:
    assert part.shape is not None
    args: list[tuple[str, Any]] = []
    for key in sorted(part.model_fields_set & ALL_SHAPE_KEYS):
        raw = getattr(part, key)
        if key == "axis":
            args.append((key, raw))
        elif key in {"polygon", "path"}:
            points = [tuple(build.vector(f"{loc}.{key}[{n}]", p, env)) for n, p in enumerate(raw)]
            args.append((key, tuple(points)))
        elif key == "size":
            args.append((key, tuple(build.vector(f"{loc}.size", raw, env))))
        else:
            args.append((key, build.number(f"{loc}.{key}", raw, env)))
    build.triangles += _estimate(part.shape, tuple(args), loc)
    _check_triangles(build, loc)
    drawn_with = _use_material(build, loc, material)
    build.placements.append(
        _Placement(name, loc, matrix, drawn_with, shape=part.shape, args=tuple(args))
    )


def _place_asset(build: _Build, asset_name: str, loc: str, name: str, matrix: Matrix) -> None:
    asset = build.assets.get(asset_name)
    if asset is None:
        raise BuildError.single(f"{loc}.asset", MSG_NO_ASSET, name=asset_name)
    build.triangles += asset.triangle_count
    _check_triangles(build, loc)
    build.placements.append(_Placement(name, loc, matrix, "", asset=asset_name))
    for material_name, material in asset.materials.items():
        build.materials.setdefault(material_name, material)
    _check_material_count(build, loc)


def _check_triangles(build: _Build, loc: str) -> None:
    if build.triangles > limits.TRIANGLES:
        raise BuildError.single(
            loc, MSG_TRIANGLES, count=f"{build.triangles:,}", limit=f"{limits.TRIANGLES:,}"
        )


def _copies(build: _Build, part: PartSchema, loc: str, base: Mapping[str, Value]) -> list[_Copy]:
    """Each copy a part's ``repeat`` makes: (environment, name suffix, offset, turn about y)."""
    repeat = part.repeat
    if repeat is None:
        return [(base, "", [0.0, 0.0, 0.0], 0.0)]
    if repeat.grid is not None:
        g = repeat.grid
        nx = _count(build, f"{loc}.repeat.grid.nx", g.nx, base)
        nz = _count(build, f"{loc}.repeat.grid.nz", g.nz, base)
        if nx * nz > limits.REPEAT_COUNT:
            raise BuildError.single(
                f"{loc}.repeat.grid", MSG_COUNT, limit=limits.REPEAT_COUNT, value=nx * nz
            )
        dx = build.number(f"{loc}.repeat.grid.dx", g.dx, base)
        dz = build.number(f"{loc}.repeat.grid.dz", g.dz, base)
        grid: list[_Copy] = [
            ({**base, "i": i, "j": j}, f"_{i}_{j}", [i * dx, 0.0, j * dz], 0.0)
            for i in range(nx)
            for j in range(nz)
        ]
        return grid
    if repeat.ring is not None:
        n = _count(build, f"{loc}.repeat.ring.count", repeat.ring.count, base)
        radius = build.number(f"{loc}.repeat.ring.radius", repeat.ring.radius, base)
        copies: list[_Copy] = []
        for i in range(n):
            theta = 2 * math.pi * i / n
            offset = [radius * math.sin(theta), 0.0, radius * math.cos(theta)]
            copies.append(({**base, "i": i}, f"_{i}", offset, theta))
        return copies
    n = _count(build, f"{loc}.repeat.count", repeat.count, base)
    step = build.vector(f"{loc}.repeat.step", repeat.step, base)
    row: list[_Copy] = [({**base, "i": i}, f"_{i}", [i * s for s in step], 0.0) for i in range(n)]
    return row


def _count(build: _Build, loc: str, raw: Any, env: Mapping[str, Value]) -> int:
    value = build.value(loc, raw, env)
    whole = isinstance(value, int | float) and not isinstance(value, bool)
    if not whole or not float(value).is_integer() or not 0 <= value <= limits.REPEAT_COUNT:
        raise BuildError.single(loc, MSG_COUNT, limit=limits.REPEAT_COUNT, value=repr(value))
    return int(value)


def _scale(build: _Build, part: PartSchema, loc: str, env: Mapping[str, Value]) -> list[float]:
    if part.scale is None:
        return [1.0, 1.0, 1.0]
    if isinstance(part.scale, list):
        factors = build.vector(f"{loc}.scale", part.scale, env)
    else:
        factors = [build.number(f"{loc}.scale", part.scale, env)] * 3
    if 0.0 in factors:
        raise BuildError.single(f"{loc}.scale", MSG_ZERO_SCALE)
    return factors


def _base_name(part: PartSchema) -> str:
    if part.name:
        return part.name
    if part.asset:
        return part.asset.removesuffix(".glb")
    return part.use or part.shape or "part"


# -- materials -------------------------------------------------------------------------------
def _material_name(
    build: _Build, part: PartSchema, loc: str, env: Mapping[str, Value], inherited: str | None
) -> str | None:
    if part.material is None:
        return inherited
    name = build.value(f"{loc}.material", part.material, env)
    if not isinstance(name, str):
        raise BuildError.single(f"{loc}.material", MSG_NOT_TEXT, value=repr(name))
    if name not in build.template.schema.materials and name not in build.library:
        raise BuildError.single(f"{loc}.material", MSG_UNKNOWN_MATERIAL, name=name)
    return name


def _use_material(build: _Build, loc: str, name: str) -> str:
    """Resolve material ``name`` the first time a part uses it; the name to draw with.

    A material equal in every factor to one already used (a colour parameter set to a preset's
    colour) is drawn as that one, so it costs no extra draw call.
    """
    if name in build.aliases:
        return build.aliases[name]
    spec = build.template.schema.materials.get(name) or build.library.get(name)
    where = f"materials.{name}" if name in build.template.schema.materials else loc
    if spec is None:  # only the neutral grey is never declared
        spec = MaterialSchema()  # the defaults: #808080, roughness 0.8, not metallic
    material = _material(build, where, name, spec)
    same = next((m.name for m in build.materials.values() if _same_look(m, material)), None)
    build.aliases[name] = same or name
    if same is None:
        build.materials[name] = material
        _check_material_count(build, loc)
    return build.aliases[name]


def _same_look(a: Material, b: Material) -> bool:
    return replace(a, name="") == replace(b, name="")


def _check_material_count(build: _Build, loc: str) -> None:
    if len(build.materials) > MAX_MATERIALS:
        raise BuildError.single(loc, MSG_MATERIALS, count=len(build.materials), limit=MAX_MATERIALS)


def _material(build: _Build, loc: str, name: str, spec: MaterialSchema) -> Material:
    color = build.value(f"{loc}.color", spec.color, build.env)
    if not isinstance(color, str) or not COLOR_RE.match(color):
        raise BuildError.single(f"{loc}.color", MSG_NOT_COLOR, value=repr(color))
    factors = {
        key: min(1.0, max(0.0, build.number(f"{loc}.{key}", getattr(spec, key), build.env)))
        for key in ("metallic", "roughness", "opacity")
    }
    rgb = tuple(srgb_to_linear(int(color[k : k + 2], 16) / 255) for k in (1, 3, 5))
    return Material(
        name,
        base_color=(rgb[0], rgb[1], rgb[2], factors["opacity"]),
        metallic=factors["metallic"],
        roughness=factors["roughness"],
        double_sided=factors["opacity"] < 1.0,
    )


# -- build: geometry once per distinct shape, then placement -------------------------------
@lru_cache(maxsize=4096)
def _shape_mesh(shape: str, args: tuple[tuple[str, Any], ...]) -> MeshData:
    return shapes.build_shape(shape, dict(args))


@lru_cache(maxsize=4096)
def _shape_triangles(shape: str, args: tuple[tuple[str, Any], ...]) -> int:
    return shapes.estimate_triangles(shape, dict(args))


def _estimate(shape: str, args: tuple[tuple[str, Any], ...], loc: str) -> int:
    try:
        return _shape_triangles(shape, args)
    except BuildError as exc:
        raise BuildError(item.at(loc) for item in exc.items) from None


def _instantiate(build: _Build) -> list[Instance]:
    instances: list[Instance] = []
    for placement in build.placements:
        if placement.asset:
            for inner in build.assets[placement.asset].instances:
                name = f"{placement.name}/{inner.name}"
                instances.append(
                    Instance(name, inner.mesh, inner.material, placement.matrix @ inner.matrix)
                )
        elif placement.shape:
            try:
                mesh = _shape_mesh(placement.shape, placement.args)
            except BuildError as exc:
                raise BuildError(item.at(placement.loc) for item in exc.items) from None
            instances.append(Instance(placement.name, mesh, placement.material, placement.matrix))
    if build.triangles > MAX_TRIANGLES_CONTRACT:
        raise BuildError.single(
            "parts",
            MSG_TRIANGLES,
            count=f"{build.triangles:,}",
            limit=f"{MAX_TRIANGLES_CONTRACT:,}",
        )
    return instances


def _place_on_ground(instances: list[Instance]) -> tuple[Instance, ...]:
    """Move the model so its bounding box is centred on x = z = 0 with its lowest point at y = 0."""
    if not instances:
        return ()
    by_mesh: dict[int, tuple[MeshData, list[Matrix]]] = {}
    for instance in instances:
        by_mesh.setdefault(id(instance.mesh), (instance.mesh, []))[1].append(instance.matrix)
    lows, highs = [], []
    for mesh, matrices in by_mesh.values():
        stack = np.asarray(matrices)  # (k, 4, 4)
        placed = np.einsum("kij,nj->kni", stack[:, :3, :3], mesh.positions.astype(np.float64))
        placed += stack[:, None, :3, 3]
        lows.append(placed.reshape(-1, 3).min(axis=0))
        highs.append(placed.reshape(-1, 3).max(axis=0))
    low, high = np.min(lows, axis=0), np.max(highs, axis=0)
    shift = translation([-(low[0] + high[0]) / 2, -low[1], -(low[2] + high[2]) / 2])
    return tuple(Instance(i.name, i.mesh, i.material, shift @ i.matrix) for i in instances)
