"""glTF: write a scene as GLB, read an uploaded component GLB, count what a GLB costs."""

from arservice.gltf.export import export_glb
from arservice.gltf.inspect import GlbStats, inspect_glb
from arservice.gltf.read import read_glb_asset

__all__ = ["GlbStats", "export_glb", "inspect_glb", "read_glb_asset"]
