"""Small scenes built in code, for the writer, reader and inspector tests."""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import trimesh

from arservice.parametric.scene import Instance, Material, MeshData, Scene, SceneInfo


def box_mesh(size: Sequence[float] = (1.0, 1.0, 1.0), uvs: bool = False) -> MeshData:
    """A box centred on its origin, hard edges split: every triangle has its own corners."""
    box = trimesh.creation.box(extents=size)
    corners = np.asarray(box.triangles, dtype=np.float64).reshape(-1, 3)
    normals = np.repeat(np.asarray(box.face_normals, dtype=np.float64), 3, axis=0)
    count = corners.shape[0]
    coords = None
    if uvs:  # (x, z) of each corner, shifted into 0..1 for a unit box
        coords = (corners[:, [0, 2]] + 0.5).astype(np.float32)
    return MeshData(
        positions=corners.astype(np.float32),
        normals=normals.astype(np.float32),
        indices=np.arange(count, dtype=np.uint32).reshape(-1, 3),
        uvs=coords,
    )


def sphere_mesh(radius: float = 0.5, subdivisions: int = 2) -> MeshData:
    """A smooth icosphere: shared vertices, normals pointing away from the centre."""
    sphere = trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius)
    positions = np.asarray(sphere.vertices, dtype=np.float64)
    return MeshData(
        positions=positions.astype(np.float32),
        normals=(positions / np.linalg.norm(positions, axis=1)[:, None]).astype(np.float32),
        indices=np.asarray(sphere.faces, dtype=np.uint32),
    )


def translate(x: float, y: float, z: float) -> np.ndarray[Any, Any]:
    matrix = np.eye(4)
    matrix[:3, 3] = (x, y, z)
    return matrix


def scale(x: float, y: float, z: float) -> np.ndarray[Any, Any]:
    return np.diag([x, y, z, 1.0])


def rotate_y(degrees: float) -> np.ndarray[Any, Any]:
    """A positive angle turns +Z towards +X, as the template format says."""
    angle = math.radians(degrees)
    matrix = np.eye(4)
    matrix[0, 0] = matrix[2, 2] = math.cos(angle)
    matrix[0, 2], matrix[2, 0] = math.sin(angle), -math.sin(angle)
    return matrix


def make_scene(
    instances: Sequence[Instance],
    materials: Sequence[Material],
    template_id: str = "bench",
    params: Mapping[str, Any] | None = None,
) -> Scene:
    return Scene(
        instances=tuple(instances),
        materials={material.name: material for material in materials},
        info=SceneInfo(
            template_id=template_id,
            template_version=3,
            params=dict(params or {"length": 1.8, "legs": 2, "backrest": True}),
            title={"fi": "Penkki", "sv": "Bänk", "en": "Bench"},
            description={"en": "A bench, 1.8 m long."},
        ),
    )


def bench_scene() -> Scene:
    """A seat on two legs, the right one mirrored, in two materials: 3 parts, 2 draw calls."""
    leg = box_mesh((0.08, 0.42, 0.4))
    return make_scene(
        [
            Instance("bench/seat", box_mesh((1.8, 0.06, 0.45)), "wood", translate(0, 0.45, 0)),
            Instance("bench/leg_0", leg, "concrete", translate(-0.8, 0.21, 0)),
            Instance("bench/leg_1", leg, "concrete", translate(0.8, 0.21, 0) @ scale(-1, 1, 1)),
        ],
        [
            Material("wood", base_color=(0.4, 0.2, 0.1, 1.0), roughness=0.7),
            Material("concrete", base_color=(0.5, 0.5, 0.5, 1.0), roughness=0.9),
        ],
    )


def png(width: int, height: int, rgba: tuple[int, int, int, int] = (200, 60, 30, 255)) -> bytes:
    """A valid one-colour RGBA PNG, written by hand (no imaging library needed)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\0" + bytes(rgba) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"IDAT", zlib.compress(row * height)),
            chunk(b"IEND", b""),
        )
    )


def pack_glb(document: Mapping[str, Any], binary: bytes = b"") -> bytes:
    """A GLB container around any JSON document, for tests that hand-craft or tamper with one."""
    text = json.dumps(document, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    chunks = struct.pack("<II", len(text), 0x4E4F534A) + text
    if binary:
        chunks += struct.pack("<II", len(binary), 0x004E4942) + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks
