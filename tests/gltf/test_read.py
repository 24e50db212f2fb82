"""Reading an uploaded component GLB into instances and materials, and what it refuses."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import trimesh

from arservice.errors import AssetError
from arservice.gltf import export_glb, read_glb_asset
from arservice.gltf.inspect import split_glb
from arservice.gltf.read import MAX_ASSET_BYTES
from arservice.parametric.scene import Instance, Material, transform_points
from tests.support.scenes import bench_scene, box_mesh, make_scene, pack_glb, png, translate

Document = dict[str, Any]


def _placed_bounds(instances: tuple[Instance, ...]) -> tuple[Any, Any]:
    points = np.concatenate([transform_points(i.matrix, i.mesh.positions) for i in instances])
    return points.min(axis=0), points.max(axis=0)


def _tampered(change: Callable[[Document], None]) -> bytes:
    """The exported bench (two primitives: wood, concrete) with its JSON changed."""
    document, binary = split_glb(export_glb(bench_scene()))
    change(document)
    return pack_glb(document, binary)


def _refusal(data: bytes) -> list[tuple[str, str]]:
    with pytest.raises(AssetError) as caught:
        read_glb_asset(data, "sign")
    assert caught.value.code == "asset_invalid"
    return [(item.loc, item.message("en")) for item in caught.value.items]


def test_textured_material_round_trips_through_export_and_read() -> None:
    image = png(8, 8)
    poster = Material("poster", (0.9, 0.8, 0.7, 1.0), 0.1, 0.6, image, "image/png", True)
    wall = box_mesh(uvs=True)
    scene = make_scene([Instance("kiosk/wall", wall, "poster", translate(0, 0.5, 0))], [poster])
    (instance,), materials = read_glb_asset(export_glb(scene), "kiosk")
    assert materials == {
        "kiosk/poster": Material(
            "kiosk/poster", (0.9, 0.8, 0.7, 1.0), 0.1, 0.6, image, "image/png", True
        )
    }
    assert (instance.name, instance.material) == ("kiosk/bench", "kiosk/poster")
    assert instance.mesh.uvs is not None
    np.testing.assert_array_equal(instance.mesh.uvs, wall.uvs)
    np.testing.assert_allclose(
        transform_points(instance.matrix, instance.mesh.positions),
        transform_points(translate(0, 0.5, 0), wall.positions),
        atol=1e-6,
    )


def test_untextured_materials_keep_no_uvs_and_get_the_asset_prefix() -> None:
    instances, materials = read_glb_asset(export_glb(bench_scene()), "bench")
    assert list(materials) == ["bench/wood", "bench/concrete"]
    assert materials["bench/wood"].base_color == (0.4, 0.2, 0.1, 1.0)
    assert materials["bench/concrete"].roughness == 0.9
    assert [i.material for i in instances] == ["bench/wood", "bench/concrete"]
    assert all(i.mesh.uvs is None for i in instances)


def test_node_hierarchy_is_baked_into_instance_matrices() -> None:
    scene = trimesh.Scene()
    box = trimesh.creation.box(extents=(1, 2, 3))
    flip = np.diag([1.0, -1.0, 1.0, 1.0])
    turn = trimesh.transformations.rotation_matrix(0.5, (0, 1, 0))
    scene.add_geometry(box, node_name="base", transform=translate(1, 0, 0))
    scene.add_geometry(box, node_name="top", parent_node_name="base", transform=turn @ flip)
    instances, _ = read_glb_asset(scene.export(file_type="glb"), "plinth")
    assert [i.name for i in instances] == ["plinth/base", "plinth/top"]
    low, high = _placed_bounds(instances)
    np.testing.assert_allclose(low, scene.bounds[0], atol=1e-6)
    np.testing.assert_allclose(high, scene.bounds[1], atol=1e-6)


def test_primitive_without_normals_gets_unit_flat_normals() -> None:
    scene = trimesh.Scene()
    scene.add_geometry(trimesh.creation.box(extents=(1, 1, 1)), node_name="cube")
    ((instance,), _) = read_glb_asset(scene.export(file_type="glb"), "cube")
    mesh = instance.mesh
    assert mesh.vertex_count == 36  # every triangle has its own corners
    face_normals = mesh.normals[mesh.indices[:, 0]]
    centres = mesh.positions[mesh.indices].mean(axis=1)
    assert (np.einsum("ij,ij->i", face_normals, centres) > 0).all()  # pointing outwards
    np.testing.assert_allclose(np.linalg.norm(mesh.normals, axis=1), 1, atol=1e-6)


def test_a_mesh_drawn_by_two_nodes_shares_one_mesh_data() -> None:
    def second_node(document: Document) -> None:
        document["nodes"].append({"name": "copy", "mesh": 0, "translation": [0, 0, 5]})
        document["scenes"][0]["nodes"].append(1)

    instances, _ = read_glb_asset(_tampered(second_node), "bench")
    assert len(instances) == 4
    assert instances[0].mesh is instances[2].mesh
    assert instances[2].matrix[2, 3] == 5


def test_interleaved_vertex_data_is_read_through_the_byte_stride() -> None:
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=np.float32)
    normals = np.tile(np.array([0, 0, 1], dtype=np.float32), (3, 1))
    interleaved = np.hstack([positions, normals]).tobytes()
    document = {
        "asset": {"version": "2.0"},
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "NORMAL": 1}}]}],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3"},
            {"bufferView": 0, "byteOffset": 12, "componentType": 5126, "count": 3, "type": "VEC3"},
        ],
        "bufferViews": [{"buffer": 0, "byteLength": 72, "byteStride": 24}],
        "buffers": [{"byteLength": 72}],
    }
    ((instance,), materials) = read_glb_asset(pack_glb(document, interleaved), "leaf")
    np.testing.assert_array_equal(instance.mesh.positions, positions)
    np.testing.assert_array_equal(instance.mesh.normals, normals)
    assert materials == {  # glTF's default material
        "leaf/default": Material("leaf/default", (1.0, 1.0, 1.0, 1.0), 1.0, 1.0)
    }


def test_duplicate_material_names_are_made_unique() -> None:
    def rename(document: Document) -> None:
        for material in document["materials"]:
            material["name"] = "Paint"

    _, materials = read_glb_asset(_tampered(rename), "bench")
    assert list(materials) == ["bench/Paint", "bench/Paint_2"]


@pytest.mark.parametrize(("mode", "alpha"), [("OPAQUE", 1.0), ("MASK", 1.0), ("BLEND", 0.25)])
def test_base_colour_alpha_counts_only_when_the_material_blends(mode: str, alpha: float) -> None:
    def translucent(document: Document) -> None:
        document["materials"][0]["pbrMetallicRoughness"]["baseColorFactor"][3] = 0.25
        document["materials"][0]["alphaMode"] = mode

    _, materials = read_glb_asset(_tampered(translucent), "bench")
    assert materials["bench/wood"].base_color[3] == alpha


def test_file_over_ten_megabytes_is_refused_before_it_is_parsed() -> None:
    glb = export_glb(bench_scene())
    oversized = glb + b"\0" * (MAX_ASSET_BYTES + 1024 * 1024 - len(glb))
    assert _refusal(oversized) == [
        ("", "the file is 11.0 MB; a component model may be at most 10 MB")
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.random.default_rng(7).bytes(4096), "the file is not a GLB model"),
        (b"", "the file is not a GLB model"),
        (export_glb(bench_scene())[:-10], "the GLB file is truncated or damaged"),
        (export_glb(bench_scene())[:16], "the GLB file is truncated or damaged"),
        (
            json.dumps({"asset": {"version": "2.0"}, "buffers": [{"uri": "a.bin"}]}).encode(),
            "the file is a .gltf text file: export the model as one binary .glb file",
        ),
        (
            b"glTF\x01\0\0\0\x14\0\0\0" + bytes(8),
            "the file is glTF version 1; only glTF 2.0 can be used",
        ),
    ],
    ids=["random bytes", "empty", "truncated", "header only", "gltf text", "glTF 1"],
)
def test_what_is_not_a_whole_glb_2_file_is_refused(data: bytes, message: str) -> None:
    assert _refusal(data) == [("", message)]


def _set(path: str, value: Any) -> Callable[[Document], None]:
    """A change that sets ``document[a][b]...`` given as ``"a.b..."`` (numbers index lists)."""

    def change(document: Document) -> None:
        *parents, last = (int(k) if k.isdigit() else k for k in path.split("."))
        target: Any = document
        for key in parents:
            target = target[key]
        target[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "loc", "message"),
    [
        (
            _set("meshes.0.primitives.1.mode", 0),
            "meshes[0].primitives[1]",
            "only triangle meshes can be used; this primitive has drawing mode 0",
        ),
        (
            _set("extensionsUsed", ["KHR_draco_mesh_compression"]),
            "extensionsUsed[0]",
            "the model is compressed with Draco, which not every phone can show: "
            "upload an uncompressed GLB",
        ),
        (
            _set("meshes.0.primitives.0.extensions", {"EXT_meshopt_compression": {}}),
            "meshes[0].primitives[0]",
            "the model is compressed with meshopt, which not every phone can show: "
            "upload an uncompressed GLB",
        ),
        (
            _set("extensionsRequired", ["KHR_texture_basisu"]),
            "extensionsRequired[0]",
            "the model needs the glTF extension KHR_texture_basisu, which is not supported",
        ),
        (
            _set("buffers.0.uri", "bench.bin"),
            "buffers[0].uri",
            "the model refers to a separate file: everything must be inside the GLB",
        ),
        (
            _set("accessors.2.sparse", {"count": 1}),
            "accessors[2]",
            "sparse accessors are not supported",
        ),
        (
            _set("accessors.0.count", 10_000),
            "accessors[0]",
            "the data lies outside the file's binary chunk",
        ),
        (
            _set("accessors.3.count", 2),  # the concrete indices now point past the vertices
            "meshes[0].primitives[1]",
            "the primitive's triangle indices are not valid",
        ),
        (
            _set("materials.0.pbrMetallicRoughness.baseColorTexture", {"index": 0}),
            "",
            "the file is not a valid glTF model",  # there is no texture 0
        ),
    ],
    ids=[
        "points",
        "draco",
        "meshopt",
        "required extension",
        "external buffer",
        "sparse",
        "outside buffer",
        "index out of range",
        "dangling reference",
    ],
)
def test_what_the_reader_cannot_take_is_refused_with_its_place(
    change: Callable[[Document], None], loc: str, message: str
) -> None:
    assert (loc, message) in _refusal(_tampered(change))


def test_every_refused_primitive_is_reported_at_once() -> None:
    def spoil_both(document: Document) -> None:
        for primitive in document["meshes"][0]["primitives"]:
            primitive["mode"] = 1

    assert [loc for loc, _ in _refusal(_tampered(spoil_both))] == [
        "meshes[0].primitives[0]",
        "meshes[0].primitives[1]",
    ]


def test_texture_without_texture_coordinates_is_refused() -> None:
    poster = Material("poster", texture=png(2, 2), texture_mime="image/png")
    scene = make_scene([Instance("wall", box_mesh(uvs=True), "poster", np.eye(4))], [poster])
    document, binary = split_glb(export_glb(scene))
    del document["meshes"][0]["primitives"][0]["attributes"]["TEXCOORD_0"]
    assert _refusal(pack_glb(document, binary)) == [
        (
            "meshes[0].primitives[0]",
            "the primitive has a texture but no texture coordinates TEXCOORD_0",
        )
    ]


def test_scene_without_triangles_is_refused() -> None:
    def no_nodes(document: Document) -> None:
        document["scenes"][0]["nodes"] = []

    assert _refusal(_tampered(no_nodes)) == [("", "the model has no triangles")]


def test_a_refused_mesh_drawn_by_two_nodes_is_reported_once() -> None:
    def points_twice(document: Document) -> None:
        document["meshes"][0]["primitives"][0]["mode"] = 0
        document["nodes"].append({"mesh": 0})
        document["scenes"][0]["nodes"].append(1)

    assert [loc for loc, _ in _refusal(_tampered(points_twice))] == ["meshes[0].primitives[0]"]
