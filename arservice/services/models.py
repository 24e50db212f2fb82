"""Build a model: a template and values (and any uploaded GLB components) -> a GLB."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arservice.gltf import export_glb, read_glb_asset
from arservice.parametric import Asset, Template, build_scene
from arservice.parametric.scene import Scene
from arservice.parametric.schema import MaterialSchema


@dataclass(frozen=True)
class BuiltModel:
    scene: Scene
    glb: bytes


def read_assets(files: Mapping[str, bytes]) -> dict[str, Asset]:
    """Uploaded component GLBs by file name, read and checked (AssetError when refused)."""
    assets = {}
    for name, data in files.items():
        instances, materials = read_glb_asset(data, name.removesuffix(".glb"))
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
    return BuiltModel(scene, export_glb(scene))
