"""``Scene -> USDZ bytes``: the model for iPhones (AR Quick Look), from the same scene as the GLB.

The geometry is placed exactly as the GLB writer places it (:mod:`arservice.gltf.export`): every
instance that shares a material is merged into one mesh with its matrix baked in (normals by the
inverse-transpose, renormalised; a mirroring matrix flips the winding), degenerate triangles are
dropped and materials no triangle uses are left out. So the USDZ has the GLB's triangles, its
materials (one mesh per material: one draw call each on a phone too) and its bounds, in the same
frame: metres, +Y up, the front facing +Z, the origin at the centre of the footprint on the
ground, which is where AR Quick Look anchors a model.

The root layer (``model.usdc``, the package's first entry) is::

    #usda 1.0
    (
        defaultPrim = "Model"
        doc = "<the English title>"
        metersPerUnit = 1
        upAxis = "Y"
        customLayerData = {
            string creator = "arservice <version>"
            dictionary arservice = {template, version, params, title, description}
        }
    )
    def Xform "Model" (kind = "component")
    {
        def Scope "Materials"
        {
            def Material "<material>"        # one per mesh, UsdPreviewSurface
        }
        def Mesh "<material>"                # one per material, in the order the scene uses them
    }

Prim names are the material names made into ASCII USD identifiers (``frame-2`` -> ``frame_2``,
``9 m`` -> ``_9_m``; a clash gets ``_2``, ``_3``, …). A mesh carries ``points``,
``faceVertexCounts`` (all 3), ``faceVertexIndices``, ``primvars:normals`` (per vertex),
``primvars:st`` where its material has a texture (the glTF coordinates with ``v`` flipped: USD's
origin is the bottom left), ``extent``, ``subdivisionScheme = "none"`` and ``doubleSided`` as its
material says.

A material is a ``UsdPreviewSurface`` in the metallic workflow: ``diffuseColor`` is the scene's
linear base colour (glTF's ``baseColorFactor`` and USD's colour values are both linear),
``metallic``, ``roughness`` and ``opacity`` (the base colour's alpha; no ``opacityThreshold``, so
a material below 1 is blended, as glTF's ``BLEND``). A texture becomes a ``UsdUVTexture`` (sRGB,
repeat, the base colour factor as its ``scale``) reading ``st`` through a
``UsdPrimvarReader_float2``, and is embedded once in the package as ``textures/<n>.png`` or
``.jpg``, however many materials use it. Its alpha is not used: as in the GLB, a textured material
is opaque unless its base colour's alpha is below 1.

Errors are the GLB writer's, with the same messages: :class:`BuildError` when the scene has no
triangles, when an instance names a material the scene does not define, when a texture is not a
PNG or JPEG, when a textured material's part has no texture coordinates, or when a placed vertex
is not a finite number.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from pxr import (
    Gf,
    Kind,
    Sdf,
    Usd,
    UsdGeom,
    UsdShade,
    Vt,
)

from arservice import GENERATOR_NAME
from arservice.errors import BuildError
from arservice.i18n import N_, pick_text
from arservice.parametric.merge import MaterialBatch, MergedMesh
from arservice.parametric.scene import Instance, Material, Scene
from arservice.usdz.package import pack_usdz

MODEL_PRIM = "Model"
MATERIALS_SCOPE = "Materials"
ST_PRIMVAR = "st"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
_IDENTIFIER_INVALID = re.compile(r"[^A-Za-z0-9_]")

_TYPES = Sdf.ValueTypeNames


def export_usdz(scene: Scene) -> bytes:
    """The scene as a USDZ package for AR Quick Look; the same scene always gives the same bytes.

    Pure apart from a private temporary directory that usd-core needs to write the package (see
    :mod:`arservice.usdz.package`), removed before this returns or raises. Raises
    :class:`BuildError` as the GLB writer does (see the module's documentation).
    """
    meshes = _merge_by_material(scene)
    if not meshes:
        raise BuildError.single("", N_("the model has no geometry: every part is switched off"))
    stage = Usd.Stage.CreateInMemory()
    layer = stage.GetRootLayer()
    _describe(layer, scene)
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    model = UsdGeom.Xform.Define(stage, f"/{MODEL_PRIM}")
    stage.SetDefaultPrim(model.GetPrim())
    Usd.ModelAPI(model.GetPrim()).SetKind(Kind.Tokens.component)
    UsdGeom.Scope.Define(stage, f"/{MODEL_PRIM}/{MATERIALS_SCOPE}")
    textures: dict[bytes, str] = {}
    mesh_names = _Names({MATERIALS_SCOPE})
    material_names = _Names()
    for name, geometry in meshes.items():
        material = scene.materials[name]
        texture_path = _texture_path(material, textures)
        usd_material = _define_material(
            stage,
            f"/{MODEL_PRIM}/{MATERIALS_SCOPE}/{material_names.make(name)}",
            material,
            texture_path,
        )
        mesh = _define_mesh(stage, f"/{MODEL_PRIM}/{mesh_names.make(name)}", geometry)
        mesh.CreateDoubleSidedAttr(material.double_sided)
        UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(usd_material)
    files = {path: data for data, path in textures.items()}
    data: bytes = pack_usdz(layer, files)
    return data


def _merge_by_material(scene: Scene) -> dict[str, MergedMesh]:
    """One mesh per material in first-use order, none without triangles (as the GLB writer)."""
    batches: dict[str, MaterialBatch] = {}
    for number, instance in enumerate(scene.instances):
        material = _material_of(scene, instance, f"instances[{number}]")
        batch = batches.setdefault(instance.material, MaterialBatch())
        placed = batch.add(instance, material.texture is not None)
        if placed.shape[0] and not np.isfinite(placed).all():
            raise BuildError.single(
                f"instances[{number}]",
                N_("the part {part} has a vertex that is not a number"),
                part=instance.name,
            )
    geometries = {name: batch.join() for name, batch in batches.items()}
    return {name: g for name, g in geometries.items() if g.indices.shape[0]}


def _material_of(scene: Scene, instance: Instance, loc: str) -> Material:
    """The instance's material, if the scene defines it and the instance can wear it."""
    material = scene.materials.get(instance.material)
    if material is None:
        raise BuildError.single(
            loc,
            N_("the part {part} uses the material {material}, which is not defined"),
            part=instance.name,
            material=instance.material,
        )
    if material.texture is not None:
        mime = _image_mime(material.texture)
        if mime is None or material.texture_mime not in (None, mime):
            raise BuildError.single(
                f"materials.{instance.material}",
                N_("the texture of the material {material} is not a PNG or JPEG image"),
                material=material.name,
            )
        uvs = instance.mesh.uvs
        if uvs is None or not np.isfinite(uvs).all():
            raise BuildError.single(
                loc,
                N_("the part {part} has a textured material but no valid texture coordinates"),
                part=instance.name,
            )
    return material


def _describe(layer: Any, scene: Scene) -> None:
    """The layer's documentation and custom data: what the model is and what made it."""
    info = scene.info
    title = pick_text(info.title, "en") if info.title else info.template_id
    layer.documentation = title
    layer.customLayerData = {
        "creator": GENERATOR_NAME,
        "arservice": {
            "template": info.template_id,
            "version": info.template_version,
            "params": dict(info.params),
            "title": dict(info.title),
            "description": dict(info.description),
        },
    }


def _define_mesh(stage: Any, path: str, geometry: MergedMesh) -> Any:
    """A triangle mesh with per-vertex normals (and ``st`` if textured), its extent authored."""
    mesh = UsdGeom.Mesh.Define(stage, path)
    positions = geometry.positions
    mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(positions))
    low, high = positions.min(axis=0), positions.max(axis=0)
    mesh.CreateExtentAttr(Vt.Vec3fArray([Gf.Vec3f(*low.tolist()), Gf.Vec3f(*high.tolist())]))
    count = geometry.indices.shape[0]
    mesh.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(np.full(count, 3, dtype=np.int32)))
    indices = np.ascontiguousarray(geometry.indices.reshape(-1), dtype=np.int32)
    mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(indices))
    mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
    primvars = UsdGeom.PrimvarsAPI(mesh)
    normals = primvars.CreatePrimvar(
        UsdGeom.Tokens.normals, _TYPES.Normal3fArray, UsdGeom.Tokens.vertex
    )
    normals.Set(Vt.Vec3fArray.FromNumpy(geometry.normals))
    if geometry.uvs is not None:
        st = np.empty_like(geometry.uvs)
        st[:, 0] = geometry.uvs[:, 0]
        st[:, 1] = 1.0 - geometry.uvs[:, 1]  # glTF's origin is the top left, USD's the bottom
        coordinates = primvars.CreatePrimvar(
            ST_PRIMVAR, _TYPES.TexCoord2fArray, UsdGeom.Tokens.vertex
        )
        coordinates.Set(Vt.Vec2fArray.FromNumpy(st))
    return mesh


def _define_material(stage: Any, path: str, material: Material, texture_path: str | None) -> Any:
    """A UsdPreviewSurface material in the metallic workflow, textured if the material is."""
    usd_material = UsdShade.Material.Define(stage, path)
    surface = UsdShade.Shader.Define(stage, f"{path}/PreviewSurface")
    surface.CreateIdAttr("UsdPreviewSurface")
    red, green, blue, alpha = (_unit(c) for c in material.base_color)
    diffuse = surface.CreateInput("diffuseColor", _TYPES.Color3f)
    if texture_path is None:
        diffuse.Set(Gf.Vec3f(red, green, blue))
    else:
        reader = UsdShade.Shader.Define(stage, f"{path}/TexCoordReader")
        reader.CreateIdAttr("UsdPrimvarReader_float2")
        reader.CreateInput("varname", _TYPES.String).Set(ST_PRIMVAR)
        st = reader.CreateOutput("result", _TYPES.Float2)
        texture = UsdShade.Shader.Define(stage, f"{path}/BaseColorTexture")
        texture.CreateIdAttr("UsdUVTexture")
        texture.CreateInput("file", _TYPES.Asset).Set(Sdf.AssetPath(texture_path))
        texture.CreateInput("sourceColorSpace", _TYPES.Token).Set("sRGB")
        texture.CreateInput("wrapS", _TYPES.Token).Set("repeat")
        texture.CreateInput("wrapT", _TYPES.Token).Set("repeat")
        texture.CreateInput("st", _TYPES.Float2).ConnectToSource(st)
        factor = Gf.Vec4f(red, green, blue, 1.0)
        texture.CreateInput("fallback", _TYPES.Float4).Set(factor)
        if (red, green, blue) != (1.0, 1.0, 1.0):  # glTF multiplies the texture by the factor
            texture.CreateInput("scale", _TYPES.Float4).Set(factor)
        diffuse.ConnectToSource(texture.CreateOutput("rgb", _TYPES.Float3))
    surface.CreateInput("metallic", _TYPES.Float).Set(_unit(material.metallic))
    surface.CreateInput("roughness", _TYPES.Float).Set(_unit(material.roughness))
    surface.CreateInput("opacity", _TYPES.Float).Set(alpha)
    usd_material.CreateSurfaceOutput().ConnectToSource(
        surface.ConnectableAPI(), UsdShade.Tokens.surface
    )
    return usd_material


def _texture_path(material: Material, textures: dict[bytes, str]) -> str | None:
    """The texture's path in the package; a texture is embedded once however often it is used."""
    if material.texture is None:
        return None
    path = textures.get(material.texture)
    if path is None:
        extension = "png" if _image_mime(material.texture) == "image/png" else "jpg"
        path = f"textures/{len(textures)}.{extension}"
        textures[material.texture] = path
    return path


class _Names:
    """Unique USD prim names (identifiers) made from any names, in order."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self._taken = set(taken or ())

    def make(self, name: str) -> str:
        base = _IDENTIFIER_INVALID.sub("_", name)
        if not base or base[0].isdigit():
            base = f"_{base}"
        candidate, number = base, 1
        while candidate in self._taken:
            number += 1
            candidate = f"{base}_{number}"
        self._taken.add(candidate)
        return candidate


def _image_mime(data: bytes) -> str | None:
    """``image/png`` or ``image/jpeg`` by the file's signature, else ``None``."""
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    if data.startswith(JPEG_SIGNATURE):
        return "image/jpeg"
    return None


def _unit(value: float) -> float:
    """A factor clamped to 0..1, as the GLB writes it."""
    return min(max(float(value), 0.0), 1.0)
