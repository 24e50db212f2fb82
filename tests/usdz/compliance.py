"""Check a USDZ for AR Quick Look: usd-core's validators plus the ARKit rules, as plain strings.

usd-core 26.x no longer ships the Python ``UsdUtils.ComplianceChecker`` (``usdchecker --arkit``);
its general rules live on as ``UsdValidation`` validators, which :func:`validation_errors` runs
(every registered one). The ARKit-only rules the old checker added have no validator, so
:func:`arkit_failures` restates them from their published descriptions:

- the package's first file is a ``.usdc`` root layer, and the stage uses that one layer only;
- files in the package are layers or ``.png``/``.jpg`` textures, stored, aligned to 64 bytes;
- prims are of core types a phone draws (no point instancers, curves, NURBS or lights);
- shaders are identified by ``info:id`` from the UsdPreviewSurface family, each connected input
  has one source, a shader or a material;
- material bindings have the MaterialBindingAPI applied and target a material that exists;
- every asset the stage names resolves inside the package;
- the stage declares ``upAxis = "Y"``, ``metersPerUnit`` and a default prim.
"""

from __future__ import annotations

from pathlib import Path

from pxr import Ar, Sdf, Usd, UsdGeom, UsdShade, UsdUtils, UsdValidation

ALLOWED_PRIM_TYPES = {
    "",
    "Scope",
    "Xform",
    "Camera",
    "Shader",
    "Material",
    "Mesh",
    "Sphere",
    "Cube",
    "Cylinder",
    "Cone",
    "Capsule",
    "GeomSubset",
    "Points",
    "SkelRoot",
    "Skeleton",
    "SkelAnimation",
    "BlendShape",
    "SpatialAudio",
}
ALLOWED_SHADER_IDS = {"UsdPreviewSurface", "UsdUVTexture", "UsdTransform2d"}
ALLOWED_EXTENSIONS = {"usd", "usda", "usdc", "usdz", "png", "jpg", "jpeg"}


def validation_errors(stage: Usd.Stage) -> tuple[list[str], list[str]]:
    """``(errors, warnings)`` from every registered UsdValidation validator."""
    registry = UsdValidation.ValidationRegistry()
    context = UsdValidation.ValidationContext(registry.GetOrLoadAllValidators())
    errors: list[str] = []
    warnings: list[str] = []
    for problem in context.Validate(stage):
        name = problem.GetValidator().GetMetadata().name
        text = f"{name}: {problem.GetMessage()}"
        if problem.GetType() == UsdValidation.ValidationErrorType.Error:
            errors.append(text)
        elif problem.GetType() == UsdValidation.ValidationErrorType.Warn:
            warnings.append(text)
    return errors, warnings


def arkit_failures(package: Path) -> list[str]:
    """Every way the USDZ at ``package`` breaks an ARKit rule (empty when it passes)."""
    failures: list[str] = []
    zip_file = Sdf.ZipFile.Open(str(package))
    names = list(zip_file.GetFileNames())
    if not names or not names[0].endswith(".usdc"):
        failures.append(f"the first file is not a usdc layer: {names[:1]}")
    for name in names:
        info = zip_file.GetFileInfo(name)
        if Ar.GetResolver().GetExtension(name).lower() not in ALLOWED_EXTENSIONS:
            failures.append(f"{name}: extension not allowed in a package")
        if info.compressionMethod != 0 or info.encrypted:
            failures.append(f"{name}: compressed or encrypted")
        if info.dataOffset % 64:
            failures.append(f"{name}: data at offset {info.dataOffset}, not aligned to 64")

    stage = Usd.Stage.Open(str(package))
    layers_on_disk = [layer for layer in stage.GetUsedLayers() if layer.realPath]
    if len(layers_on_disk) != 1:
        failures.append(f"the stage uses {len(layers_on_disk)} layers, not one")
    if not stage.HasAuthoredMetadata(UsdGeom.Tokens.upAxis) or (
        UsdGeom.GetStageUpAxis(stage) != UsdGeom.Tokens.y
    ):
        failures.append("upAxis is not Y")
    if not stage.HasAuthoredMetadata(UsdGeom.Tokens.metersPerUnit):
        failures.append("metersPerUnit is not authored")
    if not stage.GetDefaultPrim():
        failures.append("no default prim")

    layers, assets, unresolved = UsdUtils.ComputeAllDependencies(Sdf.AssetPath(str(package)))
    failures.extend(f"unresolved asset {path}" for path in unresolved)
    real_package = str(package.resolve())
    for asset in assets:
        if not str(asset).startswith(real_package):
            failures.append(f"asset outside the package: {asset}")
    failures.extend(
        f"layer outside the package: {layer.identifier}"
        for layer in layers
        if layer.realPath and not layer.realPath.startswith(real_package)
    )

    for prim in stage.Traverse():
        failures.extend(_prim_failures(prim))
    return failures


def _prim_failures(prim: Usd.Prim) -> list[str]:
    failures: list[str] = []
    path = prim.GetPath()
    if prim.GetTypeName() not in ALLOWED_PRIM_TYPES:
        failures.append(f"{path}: prim type {prim.GetTypeName()} not allowed")
    if prim.IsA(UsdShade.Shader):
        shader = UsdShade.Shader(prim)
        if shader.GetImplementationSource() != UsdShade.Tokens.id:
            failures.append(f"{path}: implementation source is not id")
        shader_id = shader.GetShaderId() or ""
        if shader_id not in ALLOWED_SHADER_IDS and not shader_id.startswith("UsdPrimvarReader"):
            failures.append(f"{path}: shader id {shader_id!r} not allowed")
        for shader_input in shader.GetInputs():
            connections = shader_input.GetAttr().GetConnections()
            if not connections:
                continue
            if len(connections) > 1:
                failures.append(f"{shader_input.GetAttr().GetPath()}: several sources")
            source = shader_input.GetConnectedSource()
            if not source or not (
                source[0].GetPrim().IsA(UsdShade.Shader)
                or source[0].GetPrim().IsA(UsdShade.Material)
            ):
                failures.append(f"{shader_input.GetAttr().GetPath()}: invalid source")
    bindings = [
        rel
        for rel in prim.GetRelationships()
        if rel.GetName().startswith(UsdShade.Tokens.materialBinding)
    ]
    if bindings and not prim.HasAPI(UsdShade.MaterialBindingAPI):
        failures.append(f"{path}: material binding without MaterialBindingAPI")
    for rel in bindings:
        if len(rel.GetTargets()) == 1:
            binding = UsdShade.MaterialBindingAPI.DirectBinding(rel)
            if not binding.GetMaterial():
                failures.append(f"{rel.GetPath()}: targets no material")
    return failures
