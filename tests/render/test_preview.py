"""Preview PNGs: every built-in template renders, framed, shaded, shadowed and deterministic.

The previews of the built-in templates are kept as test artifacts in a temporary directory whose
path the session prints, to be looked at.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from arservice.errors import BuildError, InputError
from arservice.parametric import build_scene
from arservice.parametric.scene import Instance, Material, MeshData, Scene
from arservice.render import (
    DEFAULT_BACKGROUND,
    SYSTEM_PACKAGES,
    RendererUnavailableError,
    engine,
    render_preview,
)
from arservice.store.builtin import builtin_template, builtin_template_paths, material_library
from tests.support.scenes import box_mesh, make_scene, scale, translate

TEMPLATE_IDS = sorted(builtin_template_paths())
BACKGROUND = np.array([int(DEFAULT_BACKGROUND[i : i + 2], 16) for i in (1, 3, 5)])
RED = Material("red", base_color=(0.8, 0.02, 0.02, 1.0), roughness=0.6)


def pixels(png: bytes) -> NDArray[np.int64]:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image).astype(np.int64)


def not_background(image: NDArray[np.int64]) -> NDArray[np.bool_]:
    return np.abs(image[:, :, :3] - BACKGROUND).max(axis=2) > 2


def reddish(image: NDArray[np.int64]) -> NDArray[np.bool_]:
    r, g, b = image[:, :, 0], image[:, :, 1], image[:, :, 2]
    return (r > g + 50) & (r > b + 50)


def neutral_shadow(image: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Grey pixels darker than the background: the ground in shadow."""
    rgb = image[:, :, :3]
    grey = (rgb.max(axis=2) - rgb.min(axis=2)) <= 8
    return grey & (rgb.mean(axis=2) < BACKGROUND.mean() - 8)


def box_scene(size: tuple[float, float, float], material: Material = RED) -> Scene:
    """One box standing on the ground at the origin."""
    box = Instance("box", box_mesh(size), material.name, translate(0, size[1] / 2, 0))
    return make_scene([box], [material])


def extent(mask: NDArray[np.bool_]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the mask's pixels, inclusive."""
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


@pytest.fixture(scope="session")
def preview_dir(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    path = tmp_path_factory.mktemp("render-previews")
    capture: Any = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\npreview images of the built-in templates: {path}")
    return path


def builtin_scene(template_id: str) -> Scene:
    return build_scene(builtin_template(template_id), {}, library=material_library())


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_builtin_template_renders_a_framed_preview_at_defaults(
    template_id: str, preview_dir: Path
) -> None:
    png = render_preview(builtin_scene(template_id))
    (preview_dir / f"{template_id}.png").write_bytes(png)
    with Image.open(io.BytesIO(png)) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (1024, 1024))
    image = pixels(png)
    drawn = not_background(image)
    assert drawn.mean() > 0.05, "the model covers a fair part of the picture"
    rows, cols = np.nonzero(drawn)
    assert abs(rows.mean() - 512) < 160, "centred vertically"
    assert abs(cols.mean() - 512) < 160, "centred horizontally"
    top, bottom, left, right = extent(drawn)
    assert min(top, left, 1023 - bottom, 1023 - right) >= 8, "model and shadow inside the frame"
    assert max(bottom - top, right - left) > 0.75 * 1024, "the model fills the frame"
    assert len(np.unique(image[drawn].reshape(-1, 3), axis=0)) > 500, "shaded, not flat"


def test_base_colour_shows_in_the_picture() -> None:
    image = pixels(render_preview(box_scene((1, 1, 1)), size=256))
    assert reddish(image).mean() > 0.15


def test_linear_base_colour_is_shown_in_srgb() -> None:
    """A lit mid-grey plate (linear 0.214, sRGB 128) looks mid-grey, not near-black (55)."""
    grey = Material("grey", base_color=(0.214, 0.214, 0.214, 1.0), roughness=1.0)
    image = pixels(render_preview(box_scene((4, 0.02, 4), grey), size=256))
    centre = image[118:138, 118:138, :3]
    assert 110 <= centre.mean() <= 165
    assert np.ptp(centre.mean(axis=(0, 1))) <= 4, "grey stays grey"


def test_soft_shadow_on_the_ground_next_to_the_model() -> None:
    image = pixels(render_preview(box_scene((1, 1, 1)), size=256))
    shadow, model = neutral_shadow(image), reddish(image)
    assert shadow.sum() > 400, "a shadow darker than the background"
    darkest = image[:, :, :3][shadow].mean(axis=1).min()
    assert darkest < BACKGROUND.mean() - 40
    grown = model.copy()  # the model's silhouette grown by 3 pixels touches the shadow
    for _ in range(3):
        grown[1:] |= grown[:-1]
        grown[:-1] |= grown[1:]
        grown[:, 1:] |= grown[:, :-1]
        grown[:, :-1] |= grown[:, 1:]
    assert (grown & shadow).any()
    soft = image[:, :, :3][shadow].mean(axis=1)
    assert len(np.unique(np.round(soft))) > 20, "a soft edge, not one flat grey"


@pytest.mark.parametrize(
    "size",
    [(0.3, 10.0, 0.3), (40.0, 0.05, 20.0), (0.01, 0.01, 0.01), (3.0, 3.0, 3.0)],
    ids=["tall", "flat-wide", "tiny", "cube"],
)
def test_the_whole_model_is_framed_whatever_its_size(size: tuple[float, float, float]) -> None:
    image = pixels(render_preview(box_scene(size), size=256))
    top, bottom, left, right = extent(reddish(image))
    assert min(top, left, 255 - bottom, 255 - right) >= 5, "the model touches no edge"
    assert max(bottom - top, right - left) > 0.5 * 256, "the model fills the frame"
    drawn = not_background(image)
    edges = np.concatenate([drawn[0], drawn[-1], drawn[:, 0], drawn[:, -1]])
    assert not edges.any(), "the shadow is inside the frame too"


def test_social_card_aspect() -> None:
    png = render_preview(box_scene((2.0, 1.0, 1.0)), width=1200, height=630)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1200, 630)
    top, bottom, left, right = extent(reddish(pixels(png)))
    assert min(top, left, 629 - bottom, 1199 - right) >= 10
    assert bottom - top > 0.5 * 630


def test_same_scene_gives_the_same_bytes() -> None:
    scene = builtin_scene("rest-area")
    first = render_preview(scene, size=512)
    assert render_preview(scene, size=512) == first
    assert render_preview(builtin_scene("rest-area"), size=512) == first


def test_threads_take_turns_and_get_the_same_bytes() -> None:
    scenes = [box_scene((1, 1, 1)), builtin_scene("skate-spot")] * 3
    alone = [render_preview(scene, size=200) for scene in scenes]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(lambda scene: render_preview(scene, size=200), scenes))
    assert together == alone


def test_another_process_gives_the_same_bytes() -> None:
    """Content-addressed: a fresh process (new GL context) renders the same PNG."""
    code = (
        "import hashlib\n"
        "from arservice.parametric import build_scene\n"
        "from arservice.render import render_preview\n"
        "from arservice.store.builtin import builtin_template, material_library\n"
        "scene = build_scene(builtin_template('outdoor-gym'), {}, library=material_library())\n"
        "print(hashlib.sha256(render_preview(scene, size=384)).hexdigest())\n"
    )
    here = hashlib.sha256(render_preview(builtin_scene("outdoor-gym"), size=384)).hexdigest()
    there = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert there == here


def test_transparent_background() -> None:
    png = render_preview(box_scene((1, 1, 1)), size=256, background=None)
    image = pixels(png)
    assert image.shape == (256, 256, 4)
    alpha = image[:, :, 3]
    assert alpha[0, 0] == alpha[-1, -1] == 0
    model = reddish(image) & (alpha == 255)
    assert model.mean() > 0.15
    shadow = (alpha > 20) & (alpha < 255) & ~reddish(image)
    assert shadow.sum() > 400, "the shadow is partly transparent"
    assert image[:, :, :3][shadow].mean() < 40, "and dark"


def test_other_background_colour() -> None:
    image = pixels(render_preview(box_scene((1, 1, 1)), size=128, background="#203040"))
    assert image[0, 0, :3].tolist() == [0x20, 0x30, 0x40]


def _two_colour_png() -> bytes:
    texture = np.zeros((8, 8, 3), np.uint8)
    texture[:, :4] = (20, 200, 40)  # green on the left half (u < 0.5)
    texture[:, 4:] = (30, 60, 220)  # blue on the right half
    buffer = io.BytesIO()
    Image.fromarray(texture).save(buffer, format="PNG")
    return buffer.getvalue()


def test_base_colour_texture_is_sampled() -> None:
    material = Material(
        "poster", base_color=(1, 1, 1, 1), texture=_two_colour_png(), texture_mime="image/png"
    )
    plate = Instance("plate", box_mesh((1, 0.02, 1), uvs=True), "poster", translate(0, 0.01, 0))
    image = pixels(render_preview(make_scene([plate], [material]), size=256))
    r, g, b = image[:, :, 0], image[:, :, 1], image[:, :, 2]
    assert ((g > r + 60) & (g > b + 30)).sum() > 1000, "green texels"
    assert ((b > r + 60) & (b > g + 30)).sum() > 1000, "blue texels"


def test_unreadable_texture_falls_back_to_the_base_colour() -> None:
    material = Material("red", base_color=RED.base_color, texture=b"not an image")
    plate = Instance("plate", box_mesh((1, 0.5, 1), uvs=True), "red", translate(0, 0.25, 0))
    image = pixels(render_preview(make_scene([plate], [material]), size=128))
    assert reddish(image).mean() > 0.1


def test_mirrored_part_keeps_its_faces() -> None:
    """A part mirrored by its matrix is drawn as fully as the same part unmirrored."""
    plain = reddish(pixels(render_preview(box_scene((1, 1, 1)), size=128))).sum()
    mirrored = make_scene(
        [Instance("box", box_mesh((1, 1, 1)), "red", translate(0, 0.5, 0) @ scale(-1, 1, 1))],
        [RED],
    )
    assert abs(reddish(pixels(render_preview(mirrored, size=128))).sum() - plain) < 0.02 * plain


def test_see_through_material_shows_what_is_behind() -> None:
    glass = Material("glass", base_color=(0.9, 0.9, 0.9, 0.4), roughness=0.2)
    scene = make_scene(
        [
            Instance("box", box_mesh((1, 1, 1)), "red", translate(0, 0.5, 0)),
            Instance("pane", box_mesh((3, 2, 0.02)), "glass", translate(0, 1, 1.5)),
        ],
        [RED, glass],
    )
    image = pixels(render_preview(scene, size=256))
    assert reddish(image).sum() > 500, "the red box shows through the pane"


def _flat_mesh() -> MeshData:
    positions = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0]], np.float32)
    return MeshData(
        positions=positions,
        normals=np.tile(np.array([0, 1, 0], np.float32), (3, 1)),
        indices=np.array([[0, 1, 2]], np.uint32),
    )


def _not_a_number_mesh() -> MeshData:
    mesh = box_mesh()
    positions = mesh.positions.copy()
    positions[0, 0] = np.nan
    return MeshData(positions=positions, normals=mesh.normals, indices=mesh.indices)


@pytest.mark.parametrize(
    ("scene", "message"),
    [
        (make_scene([], [RED]), "the model has no geometry"),
        (
            make_scene([Instance("line", _flat_mesh(), "red", np.eye(4))], [RED]),
            "the model has nothing to draw",
        ),
        (
            make_scene([Instance("box", box_mesh(), "red", scale(0, 0, 0))], [RED]),
            "the model has nothing to draw",
        ),
        (
            make_scene([Instance("bad", _not_a_number_mesh(), "red", np.eye(4))], [RED]),
            "the part bad has a vertex that is not a number",
        ),
        (
            make_scene([Instance("box", box_mesh(), "gold", np.eye(4))], [RED]),
            "the part box uses the material gold, which is not defined",
        ),
    ],
    ids=["empty", "flat-triangle", "scaled-to-nothing", "not-a-number", "unknown-material"],
)
def test_a_scene_with_nothing_to_draw_is_a_clear_error(scene: Scene, message: str) -> None:
    with pytest.raises(BuildError) as raised:
        render_preview(scene, size=64)
    assert message in raised.value.describe("en")


@pytest.mark.parametrize(
    "options",
    [
        {"size": 0},
        {"size": 5000},
        {"size": True},
        {"width": 1200, "height": 8},
        {"background": "red"},
        {"background": "#12345"},
    ],
)
def test_unusable_size_or_background_is_an_input_error(options: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        render_preview(box_scene((1, 1, 1)), **options)


def test_missing_system_libraries_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Mesa's EGL the error says which Debian packages to install."""

    def no_context(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("libEGL.so.1: cannot open shared object file")

    monkeypatch.setattr(engine, "_engine", None)
    monkeypatch.setattr(engine.moderngl, "create_context", no_context)
    with pytest.raises(RendererUnavailableError) as raised:
        render_preview(box_scene((1, 1, 1)), size=64)
    assert SYSTEM_PACKAGES in str(raised.value)
