"""Build a model: a template and values (and any uploaded GLB components) -> a scene, and the
scene -> its files: the GLB, the USDZ for iPhones and the PNG preview.

    scene = model_scene(template, values, library=library)
    files = model_files(scene, {"glb", "usdz", "png"})  # {"glb": b"glTF...", "usdz": ...}

The scene is built once and every file is made from it, so the three show one model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from arservice.errors import AssetError, BuildError
from arservice.gltf import export_glb, inspect_glb, read_glb_asset
from arservice.i18n import N_
from arservice.parametric import Asset, Template, build_scene
from arservice.parametric.scene import Scene
from arservice.parametric.schema import MaterialSchema
from arservice.render import RendererUnavailableError, render_preview
from arservice.usdz import export_usdz

logger = logging.getLogger(__name__)

MAX_GLB_BYTES = 3 * 1024 * 1024
"""The model contract: a delivered GLB is at most 3 MB."""
MAX_TEXTURE_PX = 2048
"""The model contract: textures at most 2048 px on a side."""
PREVIEW_PX = 1024
"""The preview PNG (``/a/<sha>.png``): a square this many pixels on a side, the viewer's poster
and the gallery's picture."""
FILE_KINDS = ("glb", "usdz", "png")
"""A model's files, by extension (the store's ArtifactKind values)."""

MSG_GLB_TOO_BIG = N_(
    "the model is {size} MB; the model contract allows {limit} MB: lower repeat counts or "
    "use simpler uploaded parts"
)
MSG_TEXTURE_TOO_BIG = N_(
    "a texture is {size} px wide or high; the model contract allows {limit} px: scale it down"
)


@dataclass(frozen=True)
class BuiltModel:
    scene: Scene
    glb: bytes


def read_assets(files: Mapping[str, bytes]) -> dict[str, Asset]:
    """Uploaded component GLBs by file name, read and checked (AssetError when refused)."""
    assets = {}
    for name, data in files.items():
        instances, materials = read_glb_asset(data, name.removesuffix(".glb"))
        largest = inspect_glb(data).max_texture_size
        if largest > MAX_TEXTURE_PX:
            raise AssetError.single(name, MSG_TEXTURE_TOO_BIG, size=largest, limit=MAX_TEXTURE_PX)
        assets[name] = Asset(instances, materials)
    return assets


def model_scene(
    template: Template,
    values: Mapping[str, Any],
    *,
    library: Mapping[str, MaterialSchema],
    asset_files: Mapping[str, bytes] | None = None,
) -> Scene:
    """The scene of ``template`` with ``values``; raises the ArServiceError that says why not."""
    assets = read_assets(asset_files or {})
    return build_scene(template, values, library=library, assets=assets)


def model_glb(scene: Scene) -> bytes:
    """The scene as the delivered GLB; BuildError past the model contract's size."""
    glb = export_glb(scene)
    if len(glb) > MAX_GLB_BYTES:
        size = f"{len(glb) / 1024 / 1024:.1f}"
        raise BuildError.single("", MSG_GLB_TOO_BIG, size=size, limit=MAX_GLB_BYTES // 1024 // 1024)
    return glb


def build_model(
    template: Template,
    values: Mapping[str, Any],
    *,
    library: Mapping[str, MaterialSchema],
    asset_files: Mapping[str, bytes] | None = None,
) -> BuiltModel:
    """The GLB of ``template`` with ``values``; raises the ArServiceError that says why not."""
    scene = model_scene(template, values, library=library, asset_files=asset_files)
    return BuiltModel(scene, model_glb(scene))


_warned = threading.Event()


def model_png(scene: Scene) -> bytes | None:
    """The scene's preview PNG, :data:`PREVIEW_PX` square; None when this machine cannot render
    (Mesa's EGL libraries are missing: a warning is logged, once per process)."""
    try:
        return render_preview(scene, size=PREVIEW_PX)
    except RendererUnavailableError as exc:
        if not _warned.is_set():
            _warned.set()
            logger.warning("preview images are not made (publishing goes on without): %s", exc)
        return None


def model_files(scene: Scene, kinds: Collection[str]) -> dict[str, bytes]:
    """The scene's files of ``kinds`` (of :data:`FILE_KINDS`), all made before any is returned,
    so a failure (the ArServiceError of the GLB or USDZ writer) leaves nothing half made. The
    PNG is left out when the renderer is unavailable."""
    files: dict[str, bytes] = {}
    if "glb" in kinds:
        files["glb"] = model_glb(scene)
    if "usdz" in kinds:
        files["usdz"] = export_usdz(scene)
    if "png" in kinds:
        png = model_png(scene)
        if png is not None:
            files["png"] = png
    return files
