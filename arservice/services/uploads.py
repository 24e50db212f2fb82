"""Checking an uploaded GLB before anything stores it: a template's component, or a whole model.

    from arservice.services.uploads import MODEL_MAX_BYTES, check_glb

    checked = check_glb(data, "kiosk.glb", max_bytes=MODEL_MAX_BYTES, whole_model=True)
    blobs.put(f"uploads/{checked.sha256}.glb", checked.data)    # the caller picks the key
    checked.triangles, checked.materials, checked.dimensions     # 12400, 3, (4.2, 2.6, 3.0)

:func:`check_glb` raises :class:`~arservice.errors.AssetError` with every problem of the file
that can be told at once, each placed at the file name (or at ``loc``, when the caller has a
better place, such as a form field ``assets[kiosk.glb]``). Inner places are added after it:
``kiosk.glb.meshes[0].primitives[1]``. What is checked, in rounds (a round that fails stops the
later ones; problems within a round are all reported):

1. the file name (a plain ``name.glb``: no folders, no ``..``, no hidden file) and the size
   (empty, or past ``max_bytes``). The name comes from the client: it is checked, never used
   as a path, and it is not what the bytes are stored under;
2. the container and the glTF inside: a GLB 2.0 file whose every mesh we can read
   (:func:`arservice.gltf.read_glb_asset` explains anything unsupported: compression, external
   files, points or lines, ...);
3. the budgets and the scale: triangles, materials and texture sizes within the model contract
   (``whole_model=True``: 100k triangles, 10 materials, 2048 px) or what a component can ever
   fit in (150k triangles, 10 materials, 2048 px), and a longest side between
   :data:`MIN_SIDE_M` and :data:`MAX_SIDE_M`: anything else is almost surely in the wrong unit.

A template's component files are checked together by :func:`check_component_files` (each
file, and no name twice) and :func:`component_file_problems` (every file the template names is
there, every file is named), with problems at ``assets[<file name>]``. Whether the model builds
is the caller's business.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from arservice.errors import AssetError, ErrorItem
from arservice.gltf import inspect_glb, read_glb_asset
from arservice.i18n import N_
from arservice.parametric import Template, limits
from arservice.parametric.generator import MAX_MATERIALS
from arservice.parametric.scene import Instance, transform_points
from arservice.services.models import MAX_GLB_BYTES, MAX_TEXTURE_PX, MSG_TEXTURE_TOO_BIG

COMPONENT_MAX_BYTES = limits.ASSET_BYTES
"""A template's component GLB: at most 10 MB (DESIGN's limits)."""
MODEL_MAX_BYTES = MAX_GLB_BYTES
"""A whole model uploaded instead of a template: the model contract's 3 MB."""
MODEL_MAX_TRIANGLES = 100_000
"""The model contract's triangle budget for a whole model."""
COMPONENT_MAX_TRIANGLES = limits.TRIANGLES
"""A component past this can never be part of a model that builds."""
MIN_SIDE_M = 0.05
"""A model whose longest side is shorter (5 cm) is almost surely not in metres."""
MAX_SIDE_M = 500.0
"""A model whose longest side is longer (500 m) is almost surely not in metres."""
MILLIMETRES_FROM = 50_000.0
"""Past this many "metres" a model is too big even as centimetres: it is in millimetres."""
MAX_NAME_CHARS = 100
FILE_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.glb")
"""A plain file name, as a template's ``asset:`` names it: no folder, not hidden."""

MSG_FILE_NAME = N_(
    "is not a plain file name: use letters, digits, '_', '-' and '.', start with a letter, "
    "a digit or '_', and end in .glb (such as info-sign.glb)"
)
MSG_FILE_NAME_LONG = N_("the file name is longer than {limit} characters: shorten it")
MSG_FILE_EMPTY = N_("the file is empty: upload the .glb file itself")
MSG_FILE_TOO_BIG = N_(
    "the file is {size}; the limit is {limit}: simplify the model or scale its textures down"
)
MSG_TRIANGLES = N_(
    "the model has {count} triangles; the limit is {limit}: simplify it (decimate) and "
    "export it again"
)
MSG_MATERIALS = N_(
    "the model has {count} materials; the limit is {limit}: merge materials that look alike"
)
MSG_SCALE_MILLIMETRES = N_(
    "the model is {size} m on its longest side: it looks like it is in millimetres; "
    "export it in metres (1 unit = 1 metre)"
)
MSG_SCALE_CENTIMETRES = N_(
    "the model is {size} m on its longest side: it looks like it is in millimetres or "
    "centimetres; export it in metres (1 unit = 1 metre)"
)
MSG_ASSET_TWICE = N_("this file is uploaded {count} times: upload each file once")
MSG_ASSET_MISSING = N_(
    "{parts} uses this file, but it is not uploaded: upload it with the template, "
    "or correct the file name in the template"
)
MSG_ASSET_UNUSED = N_(
    "no part uses this file: leave it out of the upload, or name it in a part's 'asset'"
)
MSG_ASSET_UNUSED_HINT = N_(
    "no part uses this file, but a part uses '{hint}': make the two names the same"
)
MSG_SCALE_SMALL = N_(
    "the model is only {size} m on its longest side: it looks like it is in the wrong unit "
    "or scaled down; export it in metres (1 unit = 1 metre)"
)

Vector = tuple[float, float, float]


@dataclass(frozen=True)
class CheckedGlb:
    """A GLB that passed :func:`check_glb`, with what a caller stores and shows about it."""

    file_name: str
    data: bytes = field(repr=False)
    sha256: str
    """Hex digest of ``data``: a content address for the blob store."""
    size: int
    """Bytes."""
    triangles: int
    materials: int
    max_texture_px: int
    """The longest side of its largest texture; 0 without textures."""
    bounds_min: Vector
    """Metres, the default scene's every vertex as placed by its node transforms."""
    bounds_max: Vector

    @property
    def dimensions(self) -> Vector:
        """Width, height and depth (x, y, z) in metres."""
        low, high = self.bounds_min, self.bounds_max
        return (high[0] - low[0], high[1] - low[1], high[2] - low[2])


def check_glb(
    data: bytes, file_name: str, *, max_bytes: int, whole_model: bool, loc: str | None = None
) -> CheckedGlb:
    """``data`` checked as the GLB file ``file_name``; AssetError with every problem at once.

    ``max_bytes``: :data:`COMPONENT_MAX_BYTES` for a template's component,
    :data:`MODEL_MAX_BYTES` for a whole model (never more than 10 MB: the reader refuses more).
    ``whole_model``: hold the file to the model contract's budgets rather than a component's.
    ``loc``: where the problems are placed; the file name by default.
    """
    place = loc if loc is not None else (shown_name(file_name) or "file")

    def refuse(items: list[ErrorItem]) -> AssetError:
        return AssetError([item.at(place) for item in items])

    problems = file_name_problems(file_name)
    if not data or len(data) > max_bytes:
        raise refuse([*problems, _size_problem(len(data), max_bytes)])
    try:
        instances, _ = read_glb_asset(data, file_name.removesuffix(".glb") or "model")
        stats = inspect_glb(data)
    except AssetError as error:
        raise refuse([*problems, *error.items]) from None
    low, high = _bounds(instances)
    problems.extend(_budget_problems(stats.triangles, stats.materials, whole_model))
    if stats.max_texture_size > MAX_TEXTURE_PX:
        problems.append(
            ErrorItem(
                "", MSG_TEXTURE_TOO_BIG, {"size": stats.max_texture_size, "limit": MAX_TEXTURE_PX}
            )
        )
    problems.extend(_scale_problems(low, high))
    if problems:
        raise refuse(problems)
    return CheckedGlb(
        file_name=file_name,
        data=bytes(data),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        triangles=stats.triangles,
        materials=stats.materials,
        max_texture_px=stats.max_texture_size,
        bounds_min=low,
        bounds_max=high,
    )


# --- a template's component files ------------------------------------------------------------


def asset_uses(template: Template) -> dict[str, list[str]]:
    """Each component file the template names, with the places that name it
    (``parts[4].asset``, ``components.sign[0].asset``)."""
    places: dict[str, list[str]] = {}
    lists = [("parts", template.schema.parts)]
    lists += [(f"components.{name}", parts) for name, parts in template.schema.components.items()]
    for prefix, parts in lists:
        for number, part in enumerate(parts):
            if part.asset:
                places.setdefault(part.asset, []).append(f"{prefix}[{number}].asset")
    return places


def asset_loc(file_name: str) -> str:
    """Where a component file's problems are placed: ``assets[info-sign.glb]``."""
    return f"assets[{shown_name(file_name)}]"


def check_component_files(
    files: Sequence[tuple[str, bytes]], *, max_bytes: int = COMPONENT_MAX_BYTES
) -> tuple[dict[str, CheckedGlb], list[ErrorItem]]:
    """Each uploaded component checked: the ones that pass by name, and every problem of the
    others (a name given twice is refused as such; its files are not checked)."""
    counts = Counter(name for name, _ in files)
    checked: dict[str, CheckedGlb] = {}
    problems = [
        ErrorItem(asset_loc(name), MSG_ASSET_TWICE, {"count": count})
        for name, count in counts.items()
        if count > 1
    ]
    for name, data in files:
        if counts[name] > 1:
            continue
        try:
            checked[name] = check_glb(
                data, name, max_bytes=max_bytes, whole_model=False, loc=asset_loc(name)
            )
        except AssetError as error:
            problems.extend(error.items)
    return checked, problems


def component_file_problems(
    uploaded: Collection[str],
    checked: Mapping[str, CheckedGlb],
    used: Mapping[str, list[str]],
    available: Collection[str],
) -> list[ErrorItem]:
    """Files the template names that are neither ``uploaded`` nor ``available`` (kept from
    before), and well-named uploaded files no part names (a file whose name or content is
    refused has its own error already)."""
    missing = [name for name in used if name not in uploaded and name not in available]
    problems = [
        ErrorItem(asset_loc(name), MSG_ASSET_MISSING, {"parts": ", ".join(used[name])})
        for name in missing
    ]
    for name in sorted(set(uploaded) - set(used)):
        if name not in checked:
            continue
        hints = difflib.get_close_matches(name, missing, n=1, cutoff=0.6)
        if hints:
            problems.append(ErrorItem(asset_loc(name), MSG_ASSET_UNUSED_HINT, {"hint": hints[0]}))
        else:
            problems.append(ErrorItem(asset_loc(name), MSG_ASSET_UNUSED))
    return problems


# --- helpers -----------------------------------------------------------------------------------


def file_name_problems(file_name: str) -> list[ErrorItem]:
    """What is wrong with an uploaded file's name (place-less items); empty when it is fine."""
    if len(file_name) > MAX_NAME_CHARS:
        return [ErrorItem("", MSG_FILE_NAME_LONG, {"limit": MAX_NAME_CHARS})]
    if not FILE_NAME_RE.fullmatch(file_name):
        return [ErrorItem("", MSG_FILE_NAME)]
    return []


def shown_name(file_name: str) -> str:
    """A client's file name as it may appear in a ``loc``: cut short, control characters out."""
    cleaned = "".join(char if char.isprintable() else "?" for char in file_name)
    return cleaned if len(cleaned) <= MAX_NAME_CHARS else cleaned[:MAX_NAME_CHARS] + "…"


def _size_problem(size: int, limit: int) -> ErrorItem:
    if size == 0:
        return ErrorItem("", MSG_FILE_EMPTY)
    shown, shown_limit = _bytes(size), _bytes(limit)
    if shown == shown_limit:  # 10 MB and a byte: say it in bytes
        shown, shown_limit = f"{size:,} bytes", f"{limit:,} bytes"
    return ErrorItem("", MSG_FILE_TOO_BIG, {"size": shown, "limit": shown_limit})


def _budget_problems(triangles: int, materials: int, whole_model: bool) -> list[ErrorItem]:
    problems = []
    triangle_limit = MODEL_MAX_TRIANGLES if whole_model else COMPONENT_MAX_TRIANGLES
    if triangles > triangle_limit:
        problems.append(
            ErrorItem(
                "", MSG_TRIANGLES, {"count": f"{triangles:,}", "limit": f"{triangle_limit:,}"}
            )
        )
    if materials > MAX_MATERIALS:
        problems.append(ErrorItem("", MSG_MATERIALS, {"count": materials, "limit": MAX_MATERIALS}))
    return problems


def _scale_problems(low: Vector, high: Vector) -> list[ErrorItem]:
    longest = max(high[axis] - low[axis] for axis in range(3))
    if longest > MAX_SIDE_M:
        msgid = MSG_SCALE_MILLIMETRES if longest > MILLIMETRES_FROM else MSG_SCALE_CENTIMETRES
        return [ErrorItem("", msgid, {"size": _metres(longest)})]
    if longest < MIN_SIDE_M:
        return [ErrorItem("", MSG_SCALE_SMALL, {"size": _metres(longest)})]
    return []


def _bounds(instances: tuple[Instance, ...]) -> tuple[Vector, Vector]:
    """The box around every vertex the default scene draws, each under its node's matrix."""
    lows, highs = [], []
    for instance in instances:
        positions = instance.mesh.positions
        if len(positions) == 0:
            continue
        placed = transform_points(instance.matrix, positions)
        lows.append(placed.min(axis=0))
        highs.append(placed.max(axis=0))
    if not lows:
        return (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)
    low, high = np.min(lows, axis=0), np.max(highs, axis=0)
    return _vector(low), _vector(high)


def _vector(values: NDArray[np.float64]) -> Vector:
    return float(values[0]), float(values[1]), float(values[2])


def _metres(value: float) -> str:
    """``1800.0`` -> ``1800``; ``0.012`` -> ``0.012``: enough digits to recognise the unit."""
    if value >= 10:
        return f"{value:.0f}"
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def _bytes(size: int) -> str:
    """``10485760`` -> ``10 MB``; ``3670016`` -> ``3.5 MB``; ``1500`` -> ``1.5 KB``."""
    value, unit = float(size), "bytes"
    for next_unit in ("KB", "MB"):
        if value < 1024:
            break
        value, unit = value / 1024, next_unit
    text = f"{value:.1f}".removesuffix(".0") if unit != "bytes" else f"{size}"
    return f"{text} {unit}"
