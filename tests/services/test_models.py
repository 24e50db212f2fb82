"""Building a model as a service: uploaded GLB parts, and the model contract's size budgets."""

from __future__ import annotations

from typing import Any

import pytest

from arservice.errors import AssetError, BuildError
from arservice.gltf import export_glb, inspect_glb
from arservice.parametric import load_template
from arservice.parametric.scene import Instance, Material
from arservice.services.models import build_model, read_assets
from arservice.store.builtin import material_library
from tests.support.gltf_validator import assert_valid_glb
from tests.support.scenes import box_mesh, make_scene, png, translate

HEADER = "format: arservice/template@1\nid: test\nversion: 1\ntitle: {en: Test}\n"


def sign_glb(texture_px: int) -> bytes:
    """An info sign as a manufacturer would upload it: a textured board on a post."""
    board = Material("board", texture=png(texture_px, 8), texture_mime="image/png")
    scene = make_scene(
        [
            Instance("board", box_mesh((0.6, 0.8, 0.02), uvs=True), "board", translate(0, 1.6, 0)),
            Instance("post", box_mesh((0.06, 1.2, 0.06)), "steel", translate(0, 0.6, 0)),
        ],
        [board, Material("steel", metallic=1.0, roughness=0.4)],
        template_id="info-sign",
    )
    return export_glb(scene)


def test_an_uploaded_glb_part_is_placed_in_the_model(gltf_validator: Any) -> None:
    template = load_template(
        HEADER
        + "parts:\n"
        + "  - {shape: box, size: [4, 0.1, 4], at: [0, 0.05, 0], material: concrete}\n"
        + "  - {name: sign, asset: info-sign.glb, at: [1.5, 0, 1.5], rotate: [0, 45, 0]}\n",
        material_library(),
    )
    model = build_model(
        template, {}, library=material_library(), asset_files={"info-sign.glb": sign_glb(64)}
    )
    stats = inspect_glb(model.glb)
    assert stats.materials == 3
    assert stats.textures == 1
    assert stats.bounds_max[1] == pytest.approx(2.0, abs=1e-4)  # the board's top: 1.6 + 0.4
    names = [instance.name for instance in model.scene.instances]
    assert names[0] == "box"
    assert len(names) == 3
    assert all(name.startswith("sign/") for name in names[1:])
    assert_valid_glb(gltf_validator.validate([model.glb])[0])


def test_an_uploaded_part_with_a_texture_past_2048_px_is_refused() -> None:
    read_assets({"ok.glb": sign_glb(2048)})
    with pytest.raises(AssetError) as caught:
        read_assets({"sign.glb": sign_glb(4096)})
    assert caught.value.items[0].loc == "sign.glb"
    assert "2048" in caught.value.items[0].message("en")


def test_a_missing_uploaded_part_is_named() -> None:
    template = load_template(HEADER + "parts:\n  - {asset: bench.glb}\n", material_library())
    with pytest.raises(BuildError) as caught:
        build_model(template, {}, library=material_library())
    assert caught.value.items[0].loc == "parts[0].asset"


def test_a_model_past_3_mb_is_refused() -> None:
    row = (
        "  - {shape: box, size: [0.1, 0.1, 0.1], at: [0, %d, 0],"
        " repeat: {count: 1000, step: [0.2, 0, 0]}}\n"
    )
    template = load_template(
        HEADER + "parts:\n" + "".join(row % k for k in range(5)), material_library()
    )
    with pytest.raises(BuildError) as caught:
        build_model(template, {}, library=material_library())
    assert "3 MB" in caught.value.items[0].message("en")
