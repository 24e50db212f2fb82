"""The GLB writer: valid, merged per material, deterministic, with the part tree in extras."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import trimesh

from arservice import GENERATOR_NAME
from arservice.errors import BuildError
from arservice.gltf import export_glb, inspect_glb, read_glb_asset
from arservice.gltf.inspect import split_glb
from arservice.parametric.scene import Instance, Material, MeshData, Scene
from tests.support.gltf_validator import GltfValidator, Report
from tests.support.scenes import (
    bench_scene,
    box_mesh,
    make_scene,
    pack_glb,
    png,
    rotate_y,
    scale,
    sphere_mesh,
    translate,
)

GREY = Material("grey")


def _textured_scene() -> Scene:
    image = png(4, 4)
    return make_scene(
        [
            Instance("kiosk/wall", box_mesh((1, 1, 1), uvs=True), "poster", translate(0, 0.5, 0)),
            Instance("kiosk/roof", box_mesh((1.2, 0.1, 1.2)), "grey", translate(0, 1.05, 0)),
            Instance("kiosk/sign", box_mesh(uvs=True), "sign", translate(1, 0.5, 0)),
        ],
        [
            Material("poster", texture=image, texture_mime="image/png"),
            GREY,
            Material("sign", base_color=(1, 1, 1, 1), texture=image, texture_mime="image/png"),
        ],
        template_id="kiosk",
    )


def _many_spheres_scene() -> Scene:
    """50 instances of 4 shapes in 3 materials, turned and squashed: about 10k triangles."""
    shapes = [sphere_mesh(0.3, 3), box_mesh((0.2, 1, 0.2)), sphere_mesh(0.1, 2)]
    instances = [
        Instance(
            f"grove/tree_{i}",
            shapes[i % 3],
            ("leaf", "bark", "grey")[i % 3],
            translate(i % 7, 0.5, i // 7) @ rotate_y(17 * i) @ scale(1, 1 + i / 50, 0.8),
        )
        for i in range(50)
    ]
    materials = [Material("leaf", base_color=(0.1, 0.5, 0.1, 1.0)), Material("bark"), GREY]
    return make_scene(instances, materials, template_id="grove")


def _large_scene() -> Scene:
    """Over 65,535 vertices in one material, so its indices need 32 bits."""
    box = box_mesh((0.1, 0.1, 0.1))
    count = 65535 // box.vertex_count + 1
    instances = [
        Instance(f"wall/brick_{i}", box, "grey", translate(i % 40 * 0.1, i // 40 * 0.1, 0))
        for i in range(count)
    ]
    return make_scene(instances, [GREY], template_id="wall")


def _glass_scene() -> Scene:
    glass = Material("glass", base_color=(0.8, 0.9, 1.0, 0.3), double_sided=True)
    return make_scene([Instance("shelter/pane", box_mesh(), "glass", np.eye(4))], [glass])


def _flattened_scene() -> Scene:
    """A part squashed flat (scale 0 in y): its side faces vanish, top and bottom remain."""
    return make_scene(
        [
            Instance("mat/shadow", box_mesh(), "grey", scale(1, 0, 1)),
            Instance("mat/block", box_mesh(), "grey", translate(0, 0.5, 2)),
        ],
        [GREY],
    )


def _uploaded_component_scene() -> Scene:
    """A bench with a component read from a GLB another tool wrote (no normals, own nodes)."""
    component = trimesh.Scene()
    component.add_geometry(trimesh.creation.cylinder(radius=0.1, height=2), node_name="pole")
    board = trimesh.creation.box(extents=(0.6, 0.4, 0.02))
    component.add_geometry(board, node_name="board", transform=translate(0, 0.8, 0.11))
    parts, materials = read_glb_asset(component.export(file_type="glb"), "sign")
    placed = [Instance(p.name, p.mesh, p.material, translate(2, 1, 0) @ p.matrix) for p in parts]
    bench = bench_scene()
    return make_scene([*bench.instances, *placed], [*bench.materials.values(), *materials.values()])


SCENES: dict[str, Callable[[], Scene]] = {
    "bench with a mirrored leg": bench_scene,
    "textured kiosk": _textured_scene,
    "50 turned and squashed instances": _many_spheres_scene,
    "over 65535 vertices": _large_scene,
    "transparent double-sided glass": _glass_scene,
    "flattened part": _flattened_scene,
    "uploaded component": _uploaded_component_scene,
}


@pytest.fixture(scope="module")
def exported() -> dict[str, tuple[Scene, bytes]]:
    scenes = {name: build() for name, build in SCENES.items()}
    return {name: (scene, export_glb(scene)) for name, scene in scenes.items()}


TAMPERED = "POSITION max below the data"


def _tampered(glb: bytes) -> bytes:
    """A GLB the validator must refuse: its first POSITION max no longer covers the data."""
    document, binary = split_glb(glb)
    document["accessors"][0]["max"] = [0.0, 0.0, 0.0]
    return pack_glb(document, binary)


@pytest.fixture(scope="module")
def reports(
    exported: dict[str, tuple[Scene, bytes]], gltf_validator: GltfValidator
) -> dict[str, Report]:
    """Every exported scene, and one tampered GLB, validated in one Node process."""
    blobs = [glb for _, glb in exported.values()]
    results = gltf_validator.validate([*blobs, _tampered(blobs[0])])
    return dict(zip([*exported, TAMPERED], results, strict=True))


def _document(glb: bytes) -> dict[str, Any]:
    return split_glb(glb)[0]


@pytest.mark.parametrize("name", SCENES)
def test_exported_glb_passes_the_khronos_validator_without_warnings(
    name: str, reports: dict[str, Report], gltf_validator: GltfValidator
) -> None:
    gltf_validator.assert_valid(reports[name])


def test_validator_harness_fails_a_glb_with_a_wrong_position_max(
    reports: dict[str, Report], gltf_validator: GltfValidator
) -> None:
    with pytest.raises(pytest.fail.Exception, match="ACCESSOR_MAX_MISMATCH"):
        gltf_validator.assert_valid(reports[TAMPERED])


@pytest.mark.parametrize("name", SCENES)
def test_one_draw_call_per_material_used(
    name: str, exported: dict[str, tuple[Scene, bytes]]
) -> None:
    scene, glb = exported[name]
    stats = inspect_glb(glb)
    used = {instance.material for instance in scene.instances}
    assert stats.draw_calls == stats.materials == len(used)
    assert stats.nodes == 1


@pytest.mark.parametrize("name", SCENES)
def test_bounds_match_the_scene(name: str, exported: dict[str, tuple[Scene, bytes]]) -> None:
    scene, glb = exported[name]
    stats = inspect_glb(glb)
    low, high = scene.bounds()
    np.testing.assert_allclose(stats.bounds_min, low, atol=1e-6)
    np.testing.assert_allclose(stats.bounds_max, high, atol=1e-6)


def test_merge_keeps_every_triangle_and_vertex(exported: dict[str, tuple[Scene, bytes]]) -> None:
    scene, glb = exported["50 turned and squashed instances"]
    stats = inspect_glb(glb)
    assert stats.triangles == scene.triangle_count
    assert stats.vertices == sum(instance.mesh.vertex_count for instance in scene.instances)


def test_materials_are_written_in_order_of_first_use() -> None:
    scene = bench_scene()
    names = [material["name"] for material in _document(export_glb(scene))["materials"]]
    assert names == ["wood", "concrete"]


def test_a_material_no_part_uses_is_not_written() -> None:
    scene = make_scene([Instance("a", box_mesh(), "grey", np.eye(4))], [Material("unused"), GREY])
    assert [m["name"] for m in _document(export_glb(scene))["materials"]] == ["grey"]


def test_same_scene_exports_identical_bytes() -> None:
    first = export_glb(_many_spheres_scene())
    again = export_glb(_many_spheres_scene())
    assert first == again


def test_param_and_text_order_does_not_change_the_bytes() -> None:
    forward = make_scene([Instance("a", box_mesh(), "grey", np.eye(4))], [GREY], params={})
    reordered = make_scene(
        [Instance("a", box_mesh(), "grey", np.eye(4))], [GREY], params={"b": 2, "a": 1}
    )
    ordered = make_scene(
        [Instance("a", box_mesh(), "grey", np.eye(4))], [GREY], params={"a": 1, "b": 2}
    )
    assert export_glb(reordered) == export_glb(ordered) != export_glb(forward)


def test_asset_names_the_generator_and_gltf_2() -> None:
    assert _document(export_glb(bench_scene()))["asset"] == {
        "version": "2.0",
        "generator": GENERATOR_NAME,
    }


def test_part_tree_survives_the_merge_in_the_node_extras() -> None:
    document = _document(export_glb(bench_scene()))
    node = document["nodes"][0]
    assert node["name"] == "bench"
    extras = node["extras"]["arservice"]
    assert extras["template"] == "bench"
    assert extras["version"] == 3
    assert extras["params"] == {"backrest": True, "legs": 2, "length": 1.8}
    assert extras["title"]["sv"] == "Bänk"
    assert [(part["name"], part["material"]) for part in extras["parts"]] == [
        ("bench/seat", "wood"),
        ("bench/leg_0", "concrete"),
        ("bench/leg_1", "concrete"),
    ]
    assert [part["bounds"] for part in extras["parts"]] == [
        [[-0.9, 0.42, -0.225], [0.9, 0.48, 0.225]],
        [[-0.84, 0.0, -0.2], [-0.76, 0.42, 0.2]],
        [[0.76, 0.0, -0.2], [0.84, 0.42, 0.2]],
    ]


def _signed_volume(mesh: MeshData, matrix: np.ndarray[Any, Any]) -> float:
    placed = mesh.positions.astype(np.float64) @ matrix[:3, :3].T + matrix[:3, 3]
    a, b, c = (placed[mesh.indices[:, k]] for k in range(3))
    return float(np.einsum("ij,ij->", a, np.cross(b, c)) / 6)


def test_mirrored_instance_keeps_outward_winding_and_normals() -> None:
    leg = box_mesh((0.08, 0.42, 0.4))
    scene = make_scene(
        [Instance("bench/leg", leg, "grey", translate(0.8, 0.21, 0) @ scale(-1, 1, 1))], [GREY]
    )
    instances, _ = read_glb_asset(export_glb(scene), "check")
    (merged,) = instances
    assert _signed_volume(merged.mesh, merged.matrix) == pytest.approx(0.08 * 0.42 * 0.4)
    centre = np.array([0.8, 0.21, 0.0])
    corners = merged.mesh.positions[merged.mesh.indices].astype(np.float64)
    outward = corners.mean(axis=1) - centre
    face_normals = merged.mesh.normals[merged.mesh.indices[:, 0]]
    assert (np.einsum("ij,ij->i", outward, face_normals) > 0).all()


def test_normals_follow_the_inverse_transpose_under_non_uniform_scale() -> None:
    sphere = sphere_mesh(1.0, 3)
    squash = scale(2, 1, 0.5)
    scene = make_scene([Instance("egg", sphere, "grey", squash)], [GREY])
    (merged,), _ = read_glb_asset(export_glb(scene), "check")
    points = merged.mesh.positions.astype(np.float64)
    expected = points / np.array([4.0, 1.0, 0.25])  # the ellipsoid's gradient
    expected /= np.linalg.norm(expected, axis=1)[:, None]
    np.testing.assert_allclose(merged.mesh.normals, expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(merged.mesh.normals, axis=1), 1, atol=1e-6)


def test_indices_are_16_bit_up_to_65535_vertices_and_32_bit_above(
    exported: dict[str, tuple[Scene, bytes]],
) -> None:
    small = _document(exported["bench with a mirrored leg"][1])
    large = _document(exported["over 65535 vertices"][1])
    index_types = [
        {doc["accessors"][p["indices"]]["componentType"] for p in doc["meshes"][0]["primitives"]}
        for doc in (small, large)
    ]
    assert index_types == [{5123}, {5125}]


def test_textures_are_embedded_once_with_a_sampler_and_uvs_only_where_textured(
    exported: dict[str, tuple[Scene, bytes]],
) -> None:
    document = _document(exported["textured kiosk"][1])
    assert len(document["images"]) == 1  # two materials share the same PNG
    assert document["images"][0]["mimeType"] == "image/png"
    assert document["textures"] == [{"sampler": 0, "source": 0}]
    textured = ["TEXCOORD_0" in p["attributes"] for p in document["meshes"][0]["primitives"]]
    assert textured == [True, False, True]
    assert inspect_glb(exported["textured kiosk"][1]).max_texture_size == 4


def test_transparent_and_double_sided_flags_are_written() -> None:
    (material,) = _document(export_glb(_glass_scene()))["materials"]
    assert material["alphaMode"] == "BLEND"
    assert material["doubleSided"] is True
    assert material["pbrMetallicRoughness"]["baseColorFactor"] == [0.8, 0.9, 1.0, 0.3]


def test_chunks_and_buffer_views_are_four_byte_aligned() -> None:
    glb = export_glb(_textured_scene())
    json_length, json_type = struct.unpack_from("<II", glb, 12)
    json_chunk = glb[20 : 20 + json_length]
    bin_length, bin_type = struct.unpack_from("<II", glb, 20 + json_length)
    assert (json_type, bin_type) == (0x4E4F534A, 0x004E4942)
    assert json_length % 4 == 0
    assert bin_length % 4 == 0
    assert json_chunk.rstrip(b" ").endswith(b"}")
    assert len(glb) == struct.unpack_from("<I", glb, 8)[0] == 28 + json_length + bin_length
    views = _document(glb)["bufferViews"]
    assert all(view["byteOffset"] % 4 == 0 for view in views)


def test_degenerate_triangles_are_dropped() -> None:
    box = box_mesh()
    spoiled = MeshData(
        positions=box.positions,
        normals=box.normals,
        indices=np.vstack([box.indices, [[0, 0, 1], [0, 1, 1]]]).astype(np.uint32),
    )
    scene = make_scene([Instance("a", spoiled, "grey", np.eye(4))], [GREY])
    assert inspect_glb(export_glb(scene)).triangles == 12


def test_flattened_part_keeps_only_its_faces_with_area(
    exported: dict[str, tuple[Scene, bytes]],
) -> None:
    assert inspect_glb(exported["flattened part"][1]).triangles == 12 + 4


def test_scene_without_instances_is_refused() -> None:
    with pytest.raises(BuildError) as caught:
        export_glb(make_scene([], [GREY]))
    assert caught.value.items[0].msgid == "the model has no geometry: every part is switched off"


def test_scene_whose_parts_have_no_triangles_is_refused() -> None:
    empty = MeshData(
        positions=np.zeros((0, 3), np.float32),
        normals=np.zeros((0, 3), np.float32),
        indices=np.zeros((0, 3), np.uint32),
    )
    with pytest.raises(BuildError):
        export_glb(make_scene([Instance("a", empty, "grey", np.eye(4))], [GREY]))


def test_unknown_material_is_refused_with_the_part_named() -> None:
    scene = make_scene([Instance("bench/seat", box_mesh(), "gold", np.eye(4))], [GREY])
    with pytest.raises(BuildError) as caught:
        export_glb(scene)
    (item,) = caught.value.items
    assert (item.loc, item.params) == ("instances[0]", {"part": "bench/seat", "material": "gold"})


def test_textured_material_on_a_part_without_uvs_is_refused() -> None:
    poster = Material("poster", texture=png(2, 2), texture_mime="image/png")
    scene = make_scene([Instance("kiosk/wall", box_mesh(), "poster", np.eye(4))], [poster])
    with pytest.raises(BuildError, match="no valid texture coordinates"):
        export_glb(scene)


def test_texture_that_is_not_png_or_jpeg_is_refused() -> None:
    poster = Material("poster", texture=b"GIF89a", texture_mime="image/gif")
    scene = make_scene([Instance("wall", box_mesh(uvs=True), "poster", np.eye(4))], [poster])
    with pytest.raises(BuildError, match="not a PNG or JPEG"):
        export_glb(scene)


def test_vertex_that_is_not_a_number_is_refused() -> None:
    matrix = translate(float("nan"), 0, 0)
    scene = make_scene([Instance("a", box_mesh(), "grey", matrix)], [GREY])
    with pytest.raises(BuildError, match="not a number"):
        export_glb(scene)
