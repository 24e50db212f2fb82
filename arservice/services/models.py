"""Build a model: a template and values (and any uploaded GLB components) -> a GLB."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arservice.errors import AssetError, BuildError
from arservice.gltf import export_glb, inspect_glb, read_glb_asset
from arservice.i18n import N_
from arservice.parametric import Asset, Template, build_scene
from arservice.parametric.scene import Scene
from arservice.parametric.schema import MaterialSchema

MAX_GLB_BYTES = 3 * 1024 * 1024
"""The model contract: a delivered GLB is at most 3 MB."""
MAX_TEXTURE_PX = 2048
"""The model contract: textures at most 2048 px on a side."""

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


def build_model(
    template: Template,
    values: Mapping[str, Any],
    *,
    library: Mapping[str, MaterialSchema],
    asset_files: Mapping[str, bytes] | None = None,
) -> BuiltModel:
    """The GLB of ``template`` with ``values``; raises the ArServiceError that says why not."""
    assets = read_assets(asset_files or {})
    scene = build_scene(template, values, library=library, assets=assets)
    glb = export_glb(scene)
    if len(glb) > MAX_GLB_BYTES:
        size = f"{len(glb) / 1024 / 1024:.1f}"
        raise BuildError.single("", MSG_GLB_TOO_BIG, size=size, limit=MAX_GLB_BYTES // 1024 // 1024)
    return BuiltModel(scene, glb)
