"""The GLB inspector: budget figures per drawn node, bounds under node transforms."""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np
import pytest

from arservice.errors import AssetError
from arservice.gltf import export_glb, inspect_glb
from arservice.gltf.inspect import image_mime, image_size
from arservice.parametric.scene import Instance, Material
from tests.support.scenes import bench_scene, box_mesh, make_scene, pack_glb, png

TRIANGLE = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=np.float32)


def _triangle_glb(
    nodes: list[dict[str, Any]], mode: int = 4, count: int = 3, **extra: Any
) -> bytes:
    """One mesh of ``count`` vertices (a unit triangle repeated) drawn by the given nodes."""
    positions = np.resize(TRIANGLE, (count, 3))
    document = {
        "asset": {"version": "2.0"},
        "nodes": nodes,
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "mode": mode}]}],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": count,
                "type": "VEC3",
                "min": [0, 0, 0],
                "max": [1, 1, 0],
            }
        ],
        "bufferViews": [{"buffer": 0, "byteLength": positions.nbytes}],
        "buffers": [{"byteLength": positions.nbytes}],
        **extra,
    }
    return pack_glb(document, positions.tobytes())


def test_stats_of_an_exported_bench() -> None:
    glb = export_glb(bench_scene())
    stats = inspect_glb(glb)
    assert (stats.triangles, stats.vertices, stats.draw_calls) == (36, 108, 2)
    assert (stats.materials, stats.nodes, stats.textures, stats.max_texture_size) == (2, 1, 0, 0)
    assert stats.byte_size == len(glb)


def test_a_mesh_drawn_by_two_nodes_counts_twice_with_bounds_under_node_transforms() -> None:
    half = math.sqrt(0.5)
    nodes: list[dict[str, Any]] = [
        {"mesh": 0, "translation": [10, 0, 0]},
        {"mesh": 0, "rotation": [0, half, 0, half]},  # +90° about y: +X turns to -Z
        {"children": [1], "scale": [2, 2, 2]},
    ]
    stats = inspect_glb(_triangle_glb(nodes, scenes=[{"nodes": [0, 2]}], scene=0))
    assert (stats.triangles, stats.vertices, stats.draw_calls, stats.nodes) == (2, 6, 2, 3)
    np.testing.assert_allclose(stats.bounds_min, (0, 0, -2), atol=1e-12)
    np.testing.assert_allclose(stats.bounds_max, (11, 2, 0), atol=1e-12)


def test_column_major_node_matrix_is_applied() -> None:
    matrix = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 5, 6, 7, 1]  # a translation by (5, 6, 7)
    stats = inspect_glb(_triangle_glb([{"mesh": 0, "matrix": matrix}]))
    assert stats.bounds_min == (5.0, 6.0, 7.0)
    assert stats.bounds_max == (6.0, 7.0, 7.0)


def test_without_scenes_every_root_node_is_drawn() -> None:
    nodes: list[dict[str, Any]] = [
        {"mesh": 0},
        {"children": [2]},
        {"mesh": 0, "translation": [0, 3, 0]},
    ]
    stats = inspect_glb(_triangle_glb(nodes))
    assert stats.draw_calls == 2
    assert stats.bounds_max == (1.0, 4.0, 0.0)


@pytest.mark.parametrize(
    ("mode", "count", "triangles"), [(4, 6, 2), (5, 5, 3), (6, 5, 3), (0, 5, 0)]
)
def test_triangles_are_counted_by_drawing_mode(mode: int, count: int, triangles: int) -> None:
    stats = inspect_glb(_triangle_glb([{"mesh": 0}], mode=mode, count=count))
    assert stats.triangles == triangles
    assert stats.draw_calls == 1


def test_longest_texture_side_is_reported() -> None:
    poster = Material("poster", texture=png(16, 8), texture_mime="image/png")
    scene = make_scene([Instance("wall", box_mesh(uvs=True), "poster", np.eye(4))], [poster])
    stats = inspect_glb(export_glb(scene))
    assert (stats.textures, stats.max_texture_size) == (1, 16)


def test_jpeg_size_is_read_from_its_frame_header() -> None:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 480, 640, 1) + b"\x01\x11\x00"
    jpeg = b"\xff\xd8" + app0 + frame + b"\xff\xd9"
    assert image_mime(jpeg) == "image/jpeg"
    assert image_size(jpeg) == (640, 480)


def test_unknown_image_has_no_mime_or_size() -> None:
    assert image_mime(b"GIF89a....") is None
    assert image_size(b"GIF89a....") is None


def test_bytes_that_are_not_a_glb_are_refused() -> None:
    with pytest.raises(AssetError):
        inspect_glb(b"\x00\x01" * 64)
