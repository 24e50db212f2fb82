"""What a GLB costs a phone: triangles, draw calls, materials, texture sizes, bounds.

Also the small pieces the reader shares: splitting the GLB container (:func:`split_glb`), walking
the default scene's node tree with world matrices (:func:`scene_nodes`) and sniffing embedded
images (:func:`image_mime`, :func:`image_size`). Damaged input raises :class:`AssetError`.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from arservice.errors import AssetError
from arservice.i18n import N_
from arservice.parametric.scene import Matrix, transform_points

GLB_MAGIC = b"glTF"
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942
TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN = 4, 5, 6
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}

Vector = tuple[float, float, float]


@dataclass(frozen=True)
class GlbStats:
    """A GLB's budget figures, counted per drawn node (an instanced mesh counts each time)."""

    triangles: int
    vertices: int
    draw_calls: int  # primitives drawn
    materials: int
    nodes: int
    textures: int
    max_texture_size: int  # the longest image side in pixels, 0 without images
    bounds_min: Vector  # from the POSITION accessors' min/max under the node transforms
    bounds_max: Vector
    byte_size: int


def inspect_glb(data: bytes) -> GlbStats:
    """Count what the default scene draws. Raises :class:`AssetError` if ``data`` is no GLB."""
    document, binary = split_glb(data)
    try:
        return _stats(document, binary, len(data))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        raise AssetError.single("", N_("the file is not a valid glTF model")) from None


def _stats(document: dict[str, Any], binary: bytes, byte_size: int) -> GlbStats:
    accessors = document.get("accessors", [])
    meshes = document.get("meshes", [])
    triangles = vertices = draw_calls = 0
    corners: list[Any] = []
    for node_index, matrix in scene_nodes(document):
        mesh_index = document["nodes"][node_index].get("mesh")
        if mesh_index is None:
            continue
        for primitive in meshes[mesh_index]["primitives"]:
            position = accessors[primitive["attributes"]["POSITION"]]
            count = accessors[primitive["indices"]]["count"] if "indices" in primitive else None
            vertices += position["count"]
            triangles += _triangle_count(primitive.get("mode", TRIANGLES), count, position)
            draw_calls += 1
            if "min" in position and "max" in position:
                corners.append(transform_points(matrix, _box_corners(position)))
    if corners:
        placed = np.concatenate(corners)
        low, high = _vector(placed.min(axis=0)), _vector(placed.max(axis=0))
    else:
        low = high = (0.0, 0.0, 0.0)
    return GlbStats(
        triangles=triangles,
        vertices=vertices,
        draw_calls=draw_calls,
        materials=len(document.get("materials", [])),
        nodes=len(document.get("nodes", [])),
        textures=len(document.get("textures", [])),
        max_texture_size=_max_image_side(document, binary),
        bounds_min=low,
        bounds_max=high,
        byte_size=byte_size,
    )


def split_glb(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The JSON document and the BIN chunk (empty if there is none) of a GLB."""
    if data[:4] != GLB_MAGIC:
        if data.lstrip()[:1] in (b"{", b"\xef"):  # JSON text, perhaps after a UTF-8 BOM
            raise AssetError.single(
                "", N_("the file is a .gltf text file: export the model as one binary .glb file")
            )
        raise AssetError.single("", N_("the file is not a GLB model"))
    damaged = AssetError.single("", N_("the GLB file is truncated or damaged"))
    if len(data) < 20:
        raise damaged
    _, version, length = struct.unpack_from("<4sII", data)
    if version != 2:
        raise AssetError.single(
            "", N_("the file is glTF version {version}; only glTF 2.0 can be used"), version=version
        )
    if length != len(data):
        raise damaged
    chunks: list[tuple[int, bytes]] = []
    offset = 12
    while offset + 8 <= length:
        size, kind = struct.unpack_from("<II", data, offset)
        if offset + 8 + size > length:
            raise damaged
        chunks.append((kind, data[offset + 8 : offset + 8 + size]))
        offset += 8 + size
    if offset != length or not chunks or chunks[0][0] != CHUNK_JSON:
        raise damaged
    try:
        document = json.loads(chunks[0][1].rstrip(b" \0").decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise damaged from None
    if not isinstance(document, dict):
        raise damaged
    binary = chunks[1][1] if len(chunks) > 1 and chunks[1][0] == CHUNK_BIN else b""
    return document, binary


def scene_nodes(document: dict[str, Any]) -> list[tuple[int, Matrix]]:
    """Every node of the default scene (or, without scenes, every root) with its world matrix."""
    nodes = document.get("nodes", [])
    scenes = document.get("scenes", [])
    if scenes:
        roots = list(scenes[document.get("scene", 0)].get("nodes", []))
    else:
        children = {child for node in nodes for child in node.get("children", [])}
        roots = [index for index in range(len(nodes)) if index not in children]
    result: list[tuple[int, Matrix]] = []
    seen: set[int] = set()
    stack: list[tuple[int, Matrix]] = [(index, np.eye(4)) for index in reversed(roots)]
    while stack:
        index, parent = stack.pop()
        if index in seen:
            raise AssetError.single(
                f"nodes[{index}]", N_("a node is used twice in the node hierarchy")
            )
        seen.add(index)
        world = parent @ _local_matrix(nodes[index], f"nodes[{index}]")
        result.append((index, world))
        stack.extend((child, world) for child in reversed(nodes[index].get("children", [])))
    return result


def image_mime(data: bytes) -> str | None:
    """``image/png`` or ``image/jpeg`` by the file's signature, else ``None``."""
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    if data.startswith(JPEG_SIGNATURE):
        return "image/jpeg"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` of a PNG or JPEG from its header, ``None`` if it cannot be read."""
    if data.startswith(PNG_SIGNATURE) and len(data) >= 24:
        width, height = struct.unpack_from(">II", data, 16)
        return int(width), int(height)
    if not data.startswith(JPEG_SIGNATURE):
        return None
    offset = 2
    while offset + 9 <= len(data):
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            offset += 2
        elif marker in _JPEG_FRAME_MARKERS:
            height, width = struct.unpack_from(">HH", data, offset + 5)
            return int(width), int(height)
        else:
            offset += 2 + struct.unpack_from(">H", data, offset + 2)[0]
    return None


def _local_matrix(node: dict[str, Any], loc: str) -> Matrix:
    if "matrix" in node:
        matrix = np.asarray(node["matrix"], dtype=np.float64).reshape(4, 4).T
    else:
        x, y, z, w = np.asarray(node.get("rotation", (0, 0, 0, 1)), dtype=np.float64)
        norm = float(np.sqrt(x * x + y * y + z * z + w * w)) or 1.0
        x, y, z, w = x / norm, y / norm, z / norm, w / norm
        rotation = np.array(
            [
                [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
            ]
        )
        matrix = np.eye(4)
        matrix[:3, :3] = rotation * np.asarray(node.get("scale", (1, 1, 1)), dtype=np.float64)
        matrix[:3, 3] = np.asarray(node.get("translation", (0, 0, 0)), dtype=np.float64)
    if not np.isfinite(matrix).all():
        raise AssetError.single(loc, N_("the node's transform is not a number"))
    return matrix


def _triangle_count(mode: int, index_count: int | None, position: dict[str, Any]) -> int:
    count = int(position["count"] if index_count is None else index_count)
    if mode == TRIANGLES:
        return count // 3
    if mode in (TRIANGLE_STRIP, TRIANGLE_FAN):
        return max(count - 2, 0)
    return 0


def _box_corners(accessor: dict[str, Any]) -> Any:
    low, high = accessor["min"], accessor["max"]
    return np.array([[(low, high)[(k >> axis) & 1][axis] for axis in range(3)] for k in range(8)])


def _max_image_side(document: dict[str, Any], binary: bytes) -> int:
    views = document.get("bufferViews", [])
    side = 0
    for image in document.get("images", []):
        if "bufferView" not in image:
            continue
        view = views[image["bufferView"]]
        start = view.get("byteOffset", 0)
        size = image_size(binary[start : start + view["byteLength"]])
        if size is not None:
            side = max(side, *size)
    return side


def _vector(values: Any) -> Vector:
    return float(values[0]), float(values[1]), float(values[2])
