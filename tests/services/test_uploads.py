"""Uploaded GLBs are checked before anything stores them: name, size, container, content,
budgets and scale, every independent problem of a file at once, each placed at the file."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from arservice.errors import AssetError, ErrorItem
from arservice.gltf import export_glb
from arservice.gltf.inspect import split_glb
from arservice.parametric import load_template
from arservice.parametric.scene import Instance, Material, MeshData
from arservice.services import uploads
from arservice.services.models import MSG_TEXTURE_TOO_BIG
from arservice.services.uploads import (
    CheckedGlb,
    asset_uses,
    check_component_files,
    check_glb,
    component_file_problems,
)
from arservice.store.builtin import material_library
from tests.support.scenes import box_mesh, make_scene, pack_glb, png, translate

MB = 1024 * 1024


# --- GLBs made in code (also used by the template upload tests) ------------------------------


def sign_glb(
    board: Sequence[float] = (0.6, 0.8, 0.02), texture_px: int = 0, colour: float = 0.2
) -> bytes:
    """An info sign as a manufacturer would export it, in metres: a board on a post."""
    texture = png(texture_px, 8) if texture_px else None
    materials = [
        Material(
            "board",
            base_color=(colour, 0.3, 0.6, 1.0),
            texture=texture,
            texture_mime="image/png" if texture else None,
        ),
        Material("steel", metallic=1.0, roughness=0.4),
    ]
    height = 1.2 + board[1] / 2
    instances = [
        Instance(
            "board", box_mesh(board, uvs=texture is not None), "board", translate(0, height, 0)
        ),
        Instance("post", box_mesh((0.06, 1.2, 0.06)), "steel", translate(0, 0.6, 0)),
    ]
    return export_glb(make_scene(instances, materials, template_id="info-sign"))


def box_glb(size: Sequence[float], materials: int = 1) -> bytes:
    """``materials`` boxes side by side, one material each, the whole ``size`` wide in x."""
    width = size[0] / materials
    instances = [
        Instance(
            f"box_{k}",
            box_mesh((width, size[1], size[2])),
            f"m{k}",
            translate(-size[0] / 2 + width * (k + 0.5), size[1] / 2, 0),
        )
        for k in range(materials)
    ]
    colours = [
        Material(f"m{k}", base_color=(k / materials, 0.5, 0.5, 1.0)) for k in range(materials)
    ]
    return export_glb(make_scene(instances, colours))


def grid_glb(cells: int, size: float = 2.0) -> bytes:
    """A flat square of ``cells`` x ``cells`` quads: 2 * cells² triangles."""
    xs = np.linspace(-size / 2, size / 2, cells + 1)
    xx, zz = np.meshgrid(xs, xs)
    positions = np.stack([xx.ravel(), np.zeros(xx.size), zz.ravel()], axis=1)
    corner = (np.arange(cells)[:, None] * (cells + 1) + np.arange(cells)[None, :]).ravel()
    a, b, c, d = corner, corner + 1, corner + cells + 1, corner + cells + 2
    triangles = np.concatenate([np.stack([a, c, b], 1), np.stack([b, c, d], 1)])
    mesh = MeshData(
        positions=positions.astype(np.float32),
        normals=np.tile([0.0, 1.0, 0.0], (len(positions), 1)).astype(np.float32),
        indices=triangles.astype(np.uint32),
    )
    return export_glb(make_scene([Instance("grid", mesh, "m", np.eye(4))], [Material("m")]))


def problems(error: pytest.ExceptionInfo[AssetError]) -> list[tuple[str, str]]:
    return [(item.loc, item.msgid) for item in error.value.items]


# --- a good file -------------------------------------------------------------------------------


def test_a_good_glb_is_described_in_metres() -> None:
    data = sign_glb()
    checked = check_glb(data, "info-sign.glb", max_bytes=uploads.MODEL_MAX_BYTES, whole_model=True)
    assert isinstance(checked, CheckedGlb)
    assert checked.file_name == "info-sign.glb"
    assert checked.data == data
    assert checked.size == len(data)
    assert len(checked.sha256) == 64
    assert checked.triangles == 24
    assert checked.materials == 2
    assert checked.max_texture_px == 0
    assert checked.bounds_min[1] == pytest.approx(0.0, abs=1e-6)
    assert checked.bounds_max[1] == pytest.approx(2.0, abs=1e-6)  # the board's top
    assert checked.dimensions == pytest.approx((0.6, 2.0, 0.06), abs=1e-6)


def test_the_limits_are_the_designs() -> None:
    assert uploads.COMPONENT_MAX_BYTES == 10 * MB
    assert uploads.MODEL_MAX_BYTES == 3 * MB
    assert uploads.MODEL_MAX_TRIANGLES == 100_000


# --- the name and the size ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../x.glb",
        "../../etc/passwd.glb",
        "a/b.glb",
        "/abs.glb",
        "C:\\x.glb",
        "C:x.glb",
        "",
        ".glb",
        ".hidden.glb",
        "-rf.glb",
        "x.gltf",
        "x.GLB",
        "x.glb.exe",
        "a b.glb",
        "bänkki.glb",
        "x\0.glb",
    ],
)
def test_a_name_that_is_not_a_plain_file_name_is_refused(name: str) -> None:
    with pytest.raises(AssetError) as caught:
        check_glb(sign_glb(), name, max_bytes=10 * MB, whole_model=False)
    assert [msgid for _, msgid in problems(caught)] == [uploads.MSG_FILE_NAME]
    assert caught.value.items[0].loc == (uploads.shown_name(name) or "file")


def test_a_very_long_name_is_refused_and_shown_short() -> None:
    name = "x" * 200 + ".glb"
    with pytest.raises(AssetError) as caught:
        check_glb(sign_glb(), name, max_bytes=10 * MB, whole_model=False)
    [item] = caught.value.items
    assert item.msgid == uploads.MSG_FILE_NAME_LONG
    assert len(item.loc) <= uploads.MAX_NAME_CHARS + 1


def test_a_bad_name_and_a_bad_file_are_told_together() -> None:
    with pytest.raises(AssetError) as caught:
        check_glb(b"not a model", "../x.glb", max_bytes=10 * MB, whole_model=False, loc="file")
    assert [item.loc for item in caught.value.items] == ["file", "file"]
    messages = [item.message("en") for item in caught.value.items]
    assert messages[0].startswith("is not a plain file name")
    assert messages[1] == "the file is not a GLB model"


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(AssetError) as caught:
        check_glb(b"", "x.glb", max_bytes=10 * MB, whole_model=False)
    assert problems(caught) == [("x.glb", uploads.MSG_FILE_EMPTY)]


def test_a_file_past_max_bytes_is_refused_before_it_is_read() -> None:
    data = sign_glb()
    with pytest.raises(AssetError) as caught:
        check_glb(data, "sign.glb", max_bytes=len(data) - 1, whole_model=False)
    [item] = caught.value.items
    assert (item.loc, item.msgid) == ("sign.glb", uploads.MSG_FILE_TOO_BIG)
    assert f"{len(data):,} bytes" in item.message("en")
    padded = b"\0" * (4 * MB + MB // 2)  # not even a GLB: the size is all that is said
    with pytest.raises(AssetError) as caught:
        check_glb(padded, "sign.glb", max_bytes=uploads.MODEL_MAX_BYTES, whole_model=True)
    [item] = caught.value.items
    assert item.message("en").startswith("the file is 4.5 MB; the limit is 3 MB")


# --- the container and its content ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 a zip file, renamed", "the file is not a GLB model"),
        (b'{"asset": {"version": "2.0"}}', "the file is a .gltf text file"),
        (b"glTF\x01\0\0\0\x14\0\0\0" + b"\0" * 8, "the file is glTF version 1"),
    ],
    ids=["zip", "gltf-text", "gltf-1"],
)
def test_a_file_that_is_not_a_glb_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(AssetError) as caught:
        check_glb(data, "bench.glb", max_bytes=10 * MB, whole_model=False)
    [item] = caught.value.items
    assert item.loc == "bench.glb"
    assert item.message("en").startswith(message)


def test_a_truncated_glb_is_refused() -> None:
    data = sign_glb()
    with pytest.raises(AssetError) as caught:
        check_glb(data[: len(data) // 2], "sign.glb", max_bytes=10 * MB, whole_model=False)
    [item] = caught.value.items
    assert item.message("en") == "the GLB file is truncated or damaged"


def test_what_the_reader_refuses_is_placed_inside_the_file() -> None:
    document, binary = split_glb(sign_glb())
    document["extensionsUsed"] = ["KHR_draco_mesh_compression"]
    document["extensionsRequired"] = ["KHR_draco_mesh_compression", "EXT_unknown"]
    with pytest.raises(AssetError) as caught:
        check_glb(pack_glb(document, binary), "sign.glb", max_bytes=10 * MB, whole_model=False)
    locs = [item.loc for item in caught.value.items]
    assert locs == [
        "sign.glb.extensionsUsed[0]",
        "sign.glb.extensionsRequired[1]",
    ]
    assert "Draco" in caught.value.items[0].message("en")


# --- budgets and scale -------------------------------------------------------------------------


def test_a_whole_model_past_100k_triangles_is_refused() -> None:
    data = grid_glb(224)  # 100,352 triangles
    with pytest.raises(AssetError) as caught:
        check_glb(data, "pad.glb", max_bytes=10 * MB, whole_model=True)
    [item] = caught.value.items
    assert item.msgid == uploads.MSG_TRIANGLES
    assert "100,352" in item.message("en")
    assert "100,000" in item.message("en")
    # A component may have more: the model it is part of has the 150k template limit.
    assert check_glb(data, "pad.glb", max_bytes=10 * MB, whole_model=False).triangles == 100_352


def test_every_budget_problem_is_told_at_once() -> None:
    many = box_glb((3.0, 1.0, 1.0), materials=11)
    with pytest.raises(AssetError) as caught:
        check_glb(many, "kiosk.glb", max_bytes=10 * MB, whole_model=True)
    assert problems(caught) == [("kiosk.glb", uploads.MSG_MATERIALS)]
    textured = sign_glb(texture_px=4096)
    with pytest.raises(AssetError) as caught:
        check_glb(textured, "sign.glb", max_bytes=10 * MB, whole_model=False)
    assert problems(caught) == [("sign.glb", MSG_TEXTURE_TOO_BIG)]
    with pytest.raises(AssetError) as caught:
        check_glb(textured, "../sign.glb", max_bytes=10 * MB, whole_model=False, loc="f")
    assert problems(caught) == [("f", uploads.MSG_FILE_NAME), ("f", MSG_TEXTURE_TOO_BIG)]


@pytest.mark.parametrize(
    ("size", "msgid", "shown"),
    [
        ((1800.0, 900.0, 600.0), uploads.MSG_SCALE_CENTIMETRES, "1800 m"),  # a bench in mm
        ((1200.0, 300.0, 800.0), uploads.MSG_SCALE_CENTIMETRES, "1200 m"),  # a 12 m court in cm
        ((60_000.0, 3000.0, 40_000.0), uploads.MSG_SCALE_MILLIMETRES, "60000 m"),  # 60 m in mm
        ((0.018, 0.009, 0.006), uploads.MSG_SCALE_SMALL, "0.018 m"),  # a bench at 1:100
    ],
)
def test_a_model_in_the_wrong_unit_is_refused(
    size: tuple[float, float, float], msgid: str, shown: str
) -> None:
    with pytest.raises(AssetError) as caught:
        check_glb(box_glb(size), "bench.glb", max_bytes=10 * MB, whole_model=True)
    [item] = caught.value.items
    assert item.msgid == msgid
    assert f" {shown} on its longest side" in item.message("en")
    assert "export it in metres" in item.message("en")


def test_sizes_from_5_cm_to_500_m_pass() -> None:
    for size in [(0.05, 0.01, 0.01), (499.0, 2.0, 300.0)]:
        assert check_glb(box_glb(size), "x.glb", max_bytes=10 * MB, whole_model=True)


# --- a template's component files --------------------------------------------------------------

TEMPLATE = """\
format: arservice/template@1
id: signs
version: 1
title: {en: Signs}
components:
  sign:
    - {asset: info-sign.glb}
parts:
  - {shape: box, size: [2, 0.1, 2], at: [0, 0.05, 0]}
  - {asset: bench.glb}
  - {use: sign, at: [1, 0, 0]}
  - {use: sign, at: [-1, 0, 0], asset: info-sign.glb}
"""


def test_asset_uses_names_every_place() -> None:
    source = TEMPLATE.replace(", asset: info-sign.glb}", "}")
    template = load_template(source, material_library())
    assert asset_uses(template) == {
        "info-sign.glb": ["components.sign[0].asset"],
        "bench.glb": ["parts[1].asset"],
    }


def test_component_files_are_checked_each_and_a_name_given_twice_is_refused() -> None:
    good = sign_glb()
    checked, found = check_component_files(
        [("a.glb", good), ("b.glb", good), ("b.glb", good), ("c.glb", b"junk")]
    )
    assert set(checked) == {"a.glb"}
    assert [(item.loc, item.msgid) for item in found] == [
        ("assets[b.glb]", uploads.MSG_ASSET_TWICE),
        ("assets[c.glb]", "the file is not a GLB model"),
    ]
    assert "uploaded 2 times" in found[0].message("en")


def test_missing_and_unused_component_files_are_named() -> None:
    checked, _ = check_component_files([("Bench.glb", sign_glb()), ("extra.glb", sign_glb())])
    used = {"bench.glb": ["parts[1].asset"], "info-sign.glb": ["components.sign[0].asset"]}
    found = component_file_problems({"Bench.glb", "extra.glb"}, checked, used, {"info-sign.glb"})
    assert found == [
        ErrorItem("assets[bench.glb]", uploads.MSG_ASSET_MISSING, {"parts": "parts[1].asset"}),
        ErrorItem("assets[Bench.glb]", uploads.MSG_ASSET_UNUSED_HINT, {"hint": "bench.glb"}),
        ErrorItem("assets[extra.glb]", uploads.MSG_ASSET_UNUSED),
    ]
    assert found[0].message("en").startswith("parts[1].asset uses this file, but it is not")
