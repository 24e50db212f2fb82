"""The USDZ writer: AR Quick Look's package, the GLB's geometry, materials, bounds, same bytes."""

from __future__ import annotations

import io
import itertools
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trimesh
from pxr import Sdf, Usd, UsdGeom, UsdShade

from arservice import GENERATOR_NAME
from arservice.errors import ArServiceError, BuildError
from arservice.gltf import export_glb, inspect_glb, read_glb_asset
from arservice.gltf.inspect import split_glb
from arservice.parametric import build_scene
from arservice.parametric.scene import Instance, Material, MeshData, Scene
from arservice.store.builtin import builtin_template, builtin_template_paths, material_library
from arservice.usdz import export_usdz
from arservice.usdz import package as usdz_package
from tests.support.scenes import (
    bench_scene,
    box_mesh,
    make_scene,
    png,
    rotate_y,
    scale,
    sphere_mesh,
    translate,
)
from tests.usdz.compliance import arkit_failures, validation_errors

TEMPLATE_IDS = sorted(builtin_template_paths())
GREY = Material("grey")
MM = 1e-3
_counter = itertools.count()


def _textured_scene() -> Scene:
    """Two textured materials sharing one PNG, one plain: the texture is embedded once."""
    image = png(4, 4)
    return make_scene(
        [
            Instance("kiosk/wall", box_mesh((1, 1, 1), uvs=True), "poster", translate(0, 0.5, 0)),
            Instance("kiosk/roof", box_mesh((1.2, 0.1, 1.2)), "grey", translate(0, 1.05, 0)),
            Instance("kiosk/sign", box_mesh(uvs=True), "sign", translate(1, 0.5, 0)),
        ],
        [
            Material("poster", base_color=(0.5, 0.25, 1.0, 1.0), texture=image),
            GREY,
            Material("sign", base_color=(1, 1, 1, 1), texture=image, texture_mime="image/png"),
        ],
        template_id="kiosk",
    )


def _many_instances_scene() -> Scene:
    """50 instances of 3 shapes in 3 materials, turned and squashed."""
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


def _glass_scene() -> Scene:
    glass = Material("glass", base_color=(0.8, 0.9, 1.0, 0.3), double_sided=True)
    return make_scene(
        [
            Instance("shelter/pane", box_mesh(), "glass", translate(0, 0.5, 0)),
            Instance("shelter/base", box_mesh((2, 0.1, 2)), "grey", translate(0, 0.05, 0)),
        ],
        [glass, GREY],
    )


def _flattened_scene() -> Scene:
    """A part squashed flat (scale 0 in y): its side faces vanish, top and bottom remain."""
    return make_scene(
        [
            Instance("mat/shadow", box_mesh(), "grey", scale(1, 0, 1)),
            Instance("mat/block", box_mesh(), "grey", translate(0, 0.5, 2)),
        ],
        [GREY],
    )


def _large_scene() -> Scene:
    """Over 65,535 vertices in one material (the GLB needs 32-bit indices there)."""
    box = box_mesh((0.1, 0.1, 0.1))
    count = 65535 // box.vertex_count + 1
    instances = [
        Instance(f"wall/brick_{i}", box, "grey", translate(i % 40 * 0.1, i // 40 * 0.1, 0))
        for i in range(count)
    ]
    return make_scene(instances, [GREY], template_id="wall")


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
    "50 turned and squashed instances": _many_instances_scene,
    "transparent double-sided glass": _glass_scene,
    "flattened part": _flattened_scene,
    "over 65535 vertices": _large_scene,
    "uploaded component": _uploaded_component_scene,
}


# -- helpers ----------------------------------------------------------------------------------
def _save(data: bytes, directory: Path) -> Path:
    """The USDZ in a file of its own (usd-core caches layers by path, so never reuse one)."""
    path = directory / f"model-{next(_counter)}.usdz"
    path.write_bytes(data)
    return path


def _open(data: bytes, directory: Path) -> Usd.Stage:
    stage = Usd.Stage.Open(str(_save(data, directory)))
    assert stage, "usd-core opens the package"
    return stage


def _meshes(stage: Usd.Stage) -> list[UsdGeom.Mesh]:
    return [UsdGeom.Mesh(prim) for prim in stage.Traverse() if prim.IsA(UsdGeom.Mesh)]


def _materials(stage: Usd.Stage) -> list[UsdShade.Material]:
    return [UsdShade.Material(prim) for prim in stage.Traverse() if prim.IsA(UsdShade.Material)]


def _surface(material: UsdShade.Material) -> UsdShade.Shader:
    source = material.GetSurfaceOutput().GetConnectedSource()
    return UsdShade.Shader(source[0].GetPrim())


def _world_bounds(stage: Usd.Stage) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    cache = UsdGeom.BBoxCache(Usd.TimeCode.Default(), [UsdGeom.Tokens.default_])
    box = cache.ComputeWorldBound(stage.GetPseudoRoot()).ComputeAlignedRange()
    return np.array(box.GetMin()), np.array(box.GetMax())


def _glb_primitives(glb: bytes) -> list[dict[str, np.ndarray[Any, Any]]]:
    """Each primitive's POSITION, NORMAL, TEXCOORD_0 and indices, as arrays."""
    document, binary = split_glb(glb)
    kinds = {"SCALAR": 1, "VEC2": 2, "VEC3": 3}
    types = {5126: np.float32, 5123: np.uint16, 5125: np.uint32}

    def accessor(index: int) -> np.ndarray[Any, Any]:
        spec = document["accessors"][index]
        view = document["bufferViews"][spec["bufferView"]]
        count = spec["count"] * kinds[spec["type"]]
        array = np.frombuffer(binary, types[spec["componentType"]], count, view["byteOffset"])
        return array.reshape(spec["count"], -1)

    primitives = []
    for primitive in document["meshes"][0]["primitives"]:
        arrays = {name: accessor(index) for name, index in primitive["attributes"].items()}
        arrays["indices"] = accessor(primitive["indices"]).reshape(-1, 3)
        primitives.append(arrays)
    return primitives


def _mesh_arrays(mesh: UsdGeom.Mesh) -> dict[str, np.ndarray[Any, Any]]:
    primvars = UsdGeom.PrimvarsAPI(mesh)
    arrays = {
        "POSITION": np.array(mesh.GetPointsAttr().Get(), dtype=np.float32),
        "NORMAL": np.array(primvars.GetPrimvar("normals").Get(), dtype=np.float32),
        "indices": np.array(mesh.GetFaceVertexIndicesAttr().Get()).reshape(-1, 3),
    }
    st = primvars.GetPrimvar("st")
    if st:
        arrays["st"] = np.array(st.Get(), dtype=np.float32)
    return arrays


@pytest.fixture(scope="module")
def builtin_models() -> dict[str, tuple[Scene, bytes, bytes]]:
    """Every built-in template at its defaults: the scene, its GLB and its USDZ."""
    library = material_library()
    models = {}
    for template_id in TEMPLATE_IDS:
        scene = build_scene(builtin_template(template_id), {}, library=library)
        models[template_id] = (scene, export_glb(scene), export_usdz(scene))
    return models


@pytest.fixture(scope="module")
def exported() -> dict[str, tuple[Scene, bytes, bytes]]:
    scenes = {name: build() for name, build in SCENES.items()}
    return {name: (s, export_glb(s), export_usdz(s)) for name, s in scenes.items()}


@pytest.fixture
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the writer's temporary directory goes, to see that nothing is left behind."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.fixture
def time_zone() -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone (``TZ`` and ``tzset``); restored afterwards."""
    original = os.environ.get("TZ")

    def set_zone(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield set_zone
    if original is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = original
    time.tzset()


# -- the built-in templates -------------------------------------------------------------------
@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_builtin_template_usdz_opens_in_metres_y_up_with_the_glbs_bounds_and_counts(
    template_id: str, builtin_models: dict[str, tuple[Scene, bytes, bytes]], tmp_path: Path
) -> None:
    scene, glb, usdz = builtin_models[template_id]
    stage = _open(usdz, tmp_path)
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.y
    assert stage.GetDefaultPrim().GetPath() == Sdf.Path("/Model")
    assert Usd.ModelAPI(stage.GetDefaultPrim()).GetKind() == "component"

    stats = inspect_glb(glb)
    low, high = _world_bounds(stage)
    np.testing.assert_allclose(low, stats.bounds_min, atol=MM)
    np.testing.assert_allclose(high, stats.bounds_max, atol=MM)
    scene_low, scene_high = scene.bounds()
    np.testing.assert_allclose(low, scene_low, atol=MM)
    np.testing.assert_allclose(high, scene_high, atol=MM)
    assert low[1] == pytest.approx(0.0, abs=MM), "stands on the ground at its origin"
    assert (low[[0, 2]] + high[[0, 2]]) / 2 == pytest.approx([0.0, 0.0], abs=MM)

    meshes = _meshes(stage)
    triangles = sum(len(mesh.GetFaceVertexCountsAttr().Get()) for mesh in meshes)
    assert triangles == stats.triangles
    assert sum(len(mesh.GetPointsAttr().Get()) for mesh in meshes) == stats.vertices
    assert len(meshes) == stats.draw_calls, "one mesh per material, as the GLB's primitives"
    assert len(_materials(stage)) == stats.materials


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_builtin_template_usdz_passes_the_validators_and_the_arkit_rules(
    template_id: str, builtin_models: dict[str, tuple[Scene, bytes, bytes]], tmp_path: Path
) -> None:
    path = _save(builtin_models[template_id][2], tmp_path)
    errors, warnings = validation_errors(Usd.Stage.Open(str(path)))
    assert errors == []
    assert warnings == []
    assert arkit_failures(path) == []


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_builtin_template_usdz_is_the_same_bytes_every_time(
    template_id: str, builtin_models: dict[str, tuple[Scene, bytes, bytes]]
) -> None:
    scene, _, usdz = builtin_models[template_id]
    assert export_usdz(scene) == usdz


# -- the package ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SCENES)
def test_package_is_a_stored_zip_aligned_to_64_bytes_with_the_usdc_first(
    name: str, exported: dict[str, tuple[Scene, bytes, bytes]]
) -> None:
    usdz = exported[name][2]
    with zipfile.ZipFile(io.BytesIO(usdz)) as archive:
        entries = archive.infolist()
        assert archive.testzip() is None
    assert entries[0].filename == "model.usdc"
    for entry in entries:
        assert entry.compress_type == zipfile.ZIP_STORED
        assert entry.flag_bits & 0x1 == 0, "not encrypted"
        name_length, extra_length = np.frombuffer(usdz, "<u2", 2, entry.header_offset + 26)
        data_offset = entry.header_offset + 30 + int(name_length) + int(extra_length)
        assert data_offset % 64 == 0, entry.filename
        assert entry.date_time == (1980, 1, 1, 0, 0, 0), "no clock time in the package"
    assert usdz[len(usdz) - 22 : len(usdz) - 18] == b"PK\x05\x06"


@pytest.mark.parametrize("name", SCENES)
def test_scenes_pass_the_validators_and_the_arkit_rules(
    name: str, exported: dict[str, tuple[Scene, bytes, bytes]], tmp_path: Path
) -> None:
    path = _save(exported[name][2], tmp_path)
    errors, warnings = validation_errors(Usd.Stage.Open(str(path)))
    assert (errors, warnings) == ([], [])
    assert arkit_failures(path) == []


def test_arkit_rules_catch_a_package_that_breaks_them(tmp_path: Path) -> None:
    """The checker is not blind: a texture in a wrong format and a misaligned entry fail."""
    good = export_usdz(bench_scene())
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w") as target:
        target.writestr("model.usdc", source.read("model.usdc"))
        target.writestr("notes.txt", "x")
    failures = arkit_failures(_save(buffer.getvalue(), tmp_path))
    assert any("extension not allowed" in failure for failure in failures)
    assert any("not aligned to 64" in failure for failure in failures)


def test_same_bytes_in_any_time_zone(time_zone: Callable[[str], None]) -> None:
    """usd-core stamps zip entries with local time; the writer clears the stamps."""
    scene = _textured_scene()
    time_zone("UTC")
    first = export_usdz(scene)
    for zone in ("America/New_York", "Asia/Kolkata", "Europe/Helsinki"):
        time_zone(zone)
        assert export_usdz(scene) == first, zone


def test_exports_in_threads_at_once_give_the_same_bytes(
    builtin_models: dict[str, tuple[Scene, bytes, bytes]],
) -> None:
    """The web app builds artifacts in a thread pool: each export has its own stage and files."""
    ids = TEMPLATE_IDS * 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda t: export_usdz(builtin_models[t][0]), ids))
    assert results == [builtin_models[t][2] for t in ids]


def test_writer_leaves_no_temporary_files(private_tempdir: Path) -> None:
    export_usdz(_textured_scene())
    assert list(private_tempdir.iterdir()) == []


def test_writer_leaves_no_temporary_files_when_packing_fails(
    private_tempdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(data: bytes) -> bytes:
        raise RuntimeError("packing failed")

    monkeypatch.setattr(usdz_package, "_clear_zip_times", broken)
    with pytest.raises(RuntimeError, match="packing failed"):
        export_usdz(_textured_scene())
    assert list(private_tempdir.iterdir()) == []


# -- geometry ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SCENES)
def test_meshes_hold_the_glbs_primitives_in_order(
    name: str, exported: dict[str, tuple[Scene, bytes, bytes]], tmp_path: Path
) -> None:
    """The same points, normals, triangles (winding included) and texture coordinates."""
    _, glb, usdz = exported[name]
    stage = _open(usdz, tmp_path)
    meshes = _meshes(stage)
    primitives = _glb_primitives(glb)
    assert len(meshes) == len(primitives)
    for mesh, primitive in zip(meshes, primitives, strict=True):
        arrays = _mesh_arrays(mesh)
        np.testing.assert_array_equal(arrays["POSITION"], primitive["POSITION"])
        np.testing.assert_array_equal(arrays["NORMAL"], primitive["NORMAL"])
        np.testing.assert_array_equal(arrays["indices"], primitive["indices"])
        assert ("st" in arrays) == ("TEXCOORD_0" in primitive)
        if "st" in arrays:
            u, v = primitive["TEXCOORD_0"][:, 0], primitive["TEXCOORD_0"][:, 1]
            np.testing.assert_allclose(arrays["st"], np.stack([u, 1 - v], axis=1), atol=1e-7)


def test_mesh_attributes_are_what_quick_look_reads(tmp_path: Path) -> None:
    stage = _open(export_usdz(bench_scene()), tmp_path)
    for mesh in _meshes(stage):
        counts = np.array(mesh.GetFaceVertexCountsAttr().Get())
        assert (counts == 3).all()
        assert mesh.GetSubdivisionSchemeAttr().Get() == UsdGeom.Tokens.none
        normals = UsdGeom.PrimvarsAPI(mesh).GetPrimvar("normals")
        assert normals.GetInterpolation() == UsdGeom.Tokens.vertex
        assert mesh.GetOrientationAttr().Get() == UsdGeom.Tokens.rightHanded
        points = np.array(mesh.GetPointsAttr().Get())
        extent = np.array(mesh.GetExtentAttr().Get())
        np.testing.assert_array_equal(extent, [points.min(axis=0), points.max(axis=0)])
        assert mesh.GetPrim().GetParent().GetPath() == Sdf.Path("/Model")


def test_mirrored_instance_keeps_outward_winding_and_normals(tmp_path: Path) -> None:
    leg = box_mesh((0.08, 0.42, 0.4))
    scene = make_scene(
        [Instance("bench/leg", leg, "grey", translate(0.8, 0.21, 0) @ scale(-1, 1, 1))], [GREY]
    )
    stage = _open(export_usdz(scene), tmp_path)
    (mesh,) = _meshes(stage)
    arrays = _mesh_arrays(mesh)
    corners = arrays["POSITION"][arrays["indices"]].astype(np.float64)
    a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
    volume = float(np.einsum("ij,ij->", a, np.cross(b, c)) / 6)
    assert volume == pytest.approx(0.08 * 0.42 * 0.4), "counter-clockwise seen from outside"
    outward = corners.mean(axis=1) - np.array([0.8, 0.21, 0.0])
    face_normals = arrays["NORMAL"][arrays["indices"][:, 0]]
    assert (np.einsum("ij,ij->i", outward, face_normals) > 0).all()


def test_flattened_part_keeps_only_its_faces_with_area(
    exported: dict[str, tuple[Scene, bytes, bytes]], tmp_path: Path
) -> None:
    stage = _open(exported["flattened part"][2], tmp_path)
    (mesh,) = _meshes(stage)
    assert len(mesh.GetFaceVertexCountsAttr().Get()) == 12 + 4


def test_instances_sharing_a_material_become_one_mesh_in_order_of_first_use(
    tmp_path: Path,
) -> None:
    scene = make_scene(
        [
            Instance("a", box_mesh(), "concrete", np.eye(4)),
            Instance("b", box_mesh(), "wood", translate(2, 0, 0)),
            Instance("c", box_mesh(), "concrete", translate(4, 0, 0)),
        ],
        [Material("wood"), Material("concrete"), Material("unused")],
    )
    stage = _open(export_usdz(scene), tmp_path)
    assert [m.GetPath().name for m in _meshes(stage)] == ["concrete", "wood"]
    assert [m.GetPath().name for m in _materials(stage)] == ["concrete", "wood"]
    assert [len(m.GetFaceVertexCountsAttr().Get()) for m in _meshes(stage)] == [24, 12]


def test_names_that_are_not_usd_identifiers_become_unique_prim_names(tmp_path: Path) -> None:
    scene = make_scene(
        [
            Instance("a", box_mesh(), "frame-2", np.eye(4)),
            Instance("b", box_mesh(), "frame_2", translate(2, 0, 0)),
            Instance("c", box_mesh(), "9 Materials", translate(4, 0, 0)),
            Instance("d", box_mesh(), "Materials", translate(6, 0, 0)),
            Instance("e", box_mesh(), "pölkky", translate(8, 0, 0)),
        ],
        [Material(name) for name in ("frame-2", "frame_2", "9 Materials", "Materials", "pölkky")],
    )
    stage = _open(export_usdz(scene), tmp_path)
    assert [m.GetPath().name for m in _meshes(stage)] == [
        "frame_2",
        "frame_2_2",
        "_9_Materials",
        "Materials_2",
        "p_lkky",
    ]
    assert [m.GetPath().name for m in _materials(stage)] == [
        "frame_2",
        "frame_2_2",
        "_9_Materials",
        "Materials",
        "p_lkky",
    ]


# -- materials --------------------------------------------------------------------------------
def test_materials_are_preview_surfaces_with_the_scenes_linear_factors(tmp_path: Path) -> None:
    scene = _glass_scene()
    stage = _open(export_usdz(scene), tmp_path)
    materials = {m.GetPath().name: m for m in _materials(stage)}
    for name, material in scene.materials.items():
        surface = _surface(materials[name])
        assert surface.GetShaderId() == "UsdPreviewSurface"
        red, green, blue, alpha = material.base_color
        colour = surface.GetInput("diffuseColor").Get()
        assert tuple(colour) == pytest.approx((red, green, blue))
        assert surface.GetInput("opacity").Get() == pytest.approx(alpha)
        assert surface.GetInput("metallic").Get() == pytest.approx(material.metallic)
        assert surface.GetInput("roughness").Get() == pytest.approx(material.roughness)
        assert not surface.GetInput("opacityThreshold"), "blended, as glTF's BLEND"
        assert not surface.GetInput("useSpecularWorkflow"), "the metallic workflow (default)"


def test_builtin_colours_are_the_glbs_base_colour_factors(
    builtin_models: dict[str, tuple[Scene, bytes, bytes]], tmp_path: Path
) -> None:
    _, glb, usdz = builtin_models["outdoor-gym"]
    factors = [m["pbrMetallicRoughness"]["baseColorFactor"] for m in split_glb(glb)[0]["materials"]]
    stage = _open(usdz, tmp_path)
    colours = [
        [*_surface(m).GetInput("diffuseColor").Get(), _surface(m).GetInput("opacity").Get()]
        for m in _materials(stage)
    ]
    np.testing.assert_allclose(colours, factors, atol=1e-7)


def test_meshes_are_bound_to_their_materials_and_double_sided_as_the_material_says(
    tmp_path: Path,
) -> None:
    stage = _open(export_usdz(_glass_scene()), tmp_path)
    sides = {}
    for mesh in _meshes(stage):
        prim = mesh.GetPrim()
        assert prim.HasAPI(UsdShade.MaterialBindingAPI)
        bound, _ = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()
        assert bound.GetPath().name == prim.GetName()
        sides[prim.GetName()] = mesh.GetDoubleSidedAttr().Get()
    assert sides == {"glass": True, "grey": False}


def test_textured_material_round_trips_its_texture(tmp_path: Path) -> None:
    scene = _textured_scene()
    image = scene.materials["poster"].texture
    usdz = export_usdz(scene)
    with zipfile.ZipFile(io.BytesIO(usdz)) as archive:
        assert archive.namelist() == ["model.usdc", "textures/0.png"], "one PNG, embedded once"
        assert archive.read("textures/0.png") == image

    stage = _open(usdz, tmp_path)
    materials = {m.GetPath().name: m for m in _materials(stage)}
    surface = _surface(materials["poster"])
    texture_source = surface.GetInput("diffuseColor").GetConnectedSource()
    texture = UsdShade.Shader(texture_source[0].GetPrim())
    assert texture.GetShaderId() == "UsdUVTexture"
    assert texture_source[1] == "rgb"
    asset = texture.GetInput("file").Get()
    assert asset.path == "textures/0.png"
    assert asset.resolvedPath.endswith("[textures/0.png]"), "resolves inside the package"
    assert texture.GetInput("sourceColorSpace").Get() == "sRGB"
    assert (texture.GetInput("wrapS").Get(), texture.GetInput("wrapT").Get()) == ("repeat",) * 2
    assert tuple(texture.GetInput("scale").Get()) == pytest.approx((0.5, 0.25, 1.0, 1.0))
    reader_source = texture.GetInput("st").GetConnectedSource()
    reader = UsdShade.Shader(reader_source[0].GetPrim())
    assert reader.GetShaderId() == "UsdPrimvarReader_float2"
    assert reader.GetInput("varname").Get() == "st"

    sign = UsdShade.Shader(
        _surface(materials["sign"]).GetInput("diffuseColor").GetConnectedSource()[0].GetPrim()
    )
    assert sign.GetInput("file").Get().path == "textures/0.png"
    assert not sign.GetInput("scale"), "a white factor leaves the texture as it is"
    assert _surface(materials["grey"]).GetInput("diffuseColor").GetConnectedSource() is None

    meshes = {m.GetPath().name: m for m in _meshes(stage)}
    st = UsdGeom.PrimvarsAPI(meshes["poster"]).GetPrimvar("st")
    assert st.GetTypeName() == Sdf.ValueTypeNames.TexCoord2fArray
    assert st.GetInterpolation() == UsdGeom.Tokens.vertex
    assert not UsdGeom.PrimvarsAPI(meshes["grey"]).GetPrimvar("st")


def test_jpeg_textures_keep_their_format(tmp_path: Path) -> None:
    jpeg = b"\xff\xd8\xff\xe0" + bytes(60)  # the writer checks the signature only
    photo = Material("photo", texture=jpeg, texture_mime="image/jpeg")
    usdz = export_usdz(make_scene([Instance("a", box_mesh(uvs=True), "photo", np.eye(4))], [photo]))
    with zipfile.ZipFile(io.BytesIO(usdz)) as archive:
        assert archive.namelist() == ["model.usdc", "textures/0.jpg"]
        assert archive.read("textures/0.jpg") == jpeg


# -- metadata ---------------------------------------------------------------------------------
def test_layer_names_the_generator_and_the_model(tmp_path: Path) -> None:
    scene = bench_scene()
    stage = _open(export_usdz(scene), tmp_path)
    layer = stage.GetRootLayer()
    data = layer.customLayerData
    assert data["creator"] == GENERATOR_NAME
    assert data["arservice"] == {
        "template": "bench",
        "version": 3,
        "params": {"length": 1.8, "legs": 2, "backrest": True},
        "title": {"fi": "Penkki", "sv": "Bänk", "en": "Bench"},
        "description": {"en": "A bench, 1.8 m long."},
    }
    assert layer.documentation == "Bench"


def test_param_and_text_order_does_not_change_the_bytes() -> None:
    scene = bench_scene()
    reordered = make_scene(
        scene.instances,
        list(scene.materials.values()),
        params={"backrest": True, "legs": 2, "length": 1.8},
    )
    assert export_usdz(reordered) == export_usdz(scene)


# -- errors -----------------------------------------------------------------------------------
def test_scene_without_instances_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ArServiceError) as caught:
        export_usdz(make_scene([], [GREY]))
    assert isinstance(caught.value, BuildError)
    assert caught.value.items[0].msgid == "the model has no geometry: every part is switched off"
    assert caught.value.describe("en") == "the model has no geometry: every part is switched off"


def test_scene_whose_parts_have_no_triangles_is_refused() -> None:
    empty = MeshData(
        positions=np.zeros((0, 3), np.float32),
        normals=np.zeros((0, 3), np.float32),
        indices=np.zeros((0, 3), np.uint32),
    )
    with pytest.raises(BuildError, match="no geometry"):
        export_usdz(make_scene([Instance("a", empty, "grey", np.eye(4))], [GREY]))


def test_unknown_material_is_refused_with_the_part_named() -> None:
    scene = make_scene([Instance("bench/seat", box_mesh(), "gold", np.eye(4))], [GREY])
    with pytest.raises(BuildError) as caught:
        export_usdz(scene)
    (item,) = caught.value.items
    assert (item.loc, item.params) == ("instances[0]", {"part": "bench/seat", "material": "gold"})


def test_textured_material_on_a_part_without_uvs_is_refused() -> None:
    poster = Material("poster", texture=png(2, 2), texture_mime="image/png")
    scene = make_scene([Instance("kiosk/wall", box_mesh(), "poster", np.eye(4))], [poster])
    with pytest.raises(BuildError, match="no valid texture coordinates"):
        export_usdz(scene)


def test_texture_that_is_not_png_or_jpeg_is_refused() -> None:
    poster = Material("poster", texture=b"GIF89a", texture_mime="image/gif")
    scene = make_scene([Instance("wall", box_mesh(uvs=True), "poster", np.eye(4))], [poster])
    with pytest.raises(BuildError, match="not a PNG or JPEG"):
        export_usdz(scene)


def test_vertex_that_is_not_a_number_is_refused() -> None:
    scene = make_scene([Instance("a", box_mesh(), "grey", translate(float("nan"), 0, 0))], [GREY])
    with pytest.raises(BuildError, match="not a number"):
        export_usdz(scene)


def test_errors_are_the_glb_writers_errors() -> None:
    """Both writers refuse the same scenes with the same items."""
    scenes = [
        make_scene([], [GREY]),
        make_scene([Instance("a", box_mesh(), "gold", np.eye(4))], [GREY]),
        make_scene(
            [Instance("a", box_mesh(), "poster", np.eye(4))],
            [Material("poster", texture=png(2, 2))],
        ),
    ]
    for scene in scenes:
        with pytest.raises(BuildError) as from_glb:
            export_glb(scene)
        with pytest.raises(BuildError) as from_usdz:
            export_usdz(scene)
        assert from_usdz.value.items == from_glb.value.items
