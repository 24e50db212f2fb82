"""A scene as draw batches: one vertex array per material, every instance placed in model space.

Each instance's matrix is baked into its positions, as the GLB writer does (normals through the
inverse-transpose, mirrored instances' winding flipped, triangles without area dropped: see
:mod:`arservice.parametric.merge`). The batches keep the scene's first-use order of materials, so
the same scene always gives the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from arservice.errors import BuildError
from arservice.i18n import N_
from arservice.parametric.merge import MaterialBatch, MergedMesh
from arservice.parametric.scene import Material, Scene

MSG_NO_GEOMETRY = N_("the model has no geometry: every part is switched off")
MSG_NOT_A_NUMBER = N_("the part {part} has a vertex that is not a number")
MSG_UNKNOWN_MATERIAL = N_("the part {part} uses the material {material}, which is not defined")
MSG_NO_AREA = N_("the model has nothing to draw: its parts have no area")


@dataclass(frozen=True)
class Batch:
    """One material's triangles, placed: float32 vertex data and uint32 triangle indices."""

    material: Material
    positions: NDArray[np.float32]  # (n, 3)
    normals: NDArray[np.float32]  # (n, 3), unit length
    uvs: NDArray[np.float32]  # (n, 2), zeros where the material has no texture
    indices: NDArray[np.uint32]  # (m, 3)

    @property
    def textured(self) -> bool:
        return self.material.texture is not None

    def interleaved(self) -> bytes:
        """Position, normal and texture coordinate per vertex: 8 float32 values."""
        data = np.hstack([self.positions, self.normals, self.uvs]).astype("<f4")
        return data.tobytes()


def scene_batches(scene: Scene) -> list[Batch]:
    """The scene's triangles per material; raises :class:`BuildError` when nothing can be drawn.

    That is: no triangles at all, a part that names a material the scene does not define, a
    placed vertex that is not a finite number, or triangles that all have no area. Instances are
    placed and merged as the GLB writer does (:mod:`arservice.parametric.merge`).
    """
    merged: dict[str, MaterialBatch] = {}
    for number, instance in enumerate(scene.instances):
        if instance.mesh.triangle_count == 0:
            continue
        material = scene.materials.get(instance.material)
        if material is None:
            raise BuildError.single(
                f"instances[{number}]",
                MSG_UNKNOWN_MATERIAL,
                part=instance.name,
                material=instance.material,
            )
        textured = material.texture is not None and instance.mesh.uvs is not None
        placed = merged.setdefault(instance.material, MaterialBatch()).add(instance, textured)
        if not np.isfinite(placed).all():
            raise BuildError.single(f"instances[{number}]", MSG_NOT_A_NUMBER, part=instance.name)
    if not merged:
        raise BuildError.single("", MSG_NO_GEOMETRY)
    batches = [_batch(scene.materials[name], batch.join()) for name, batch in merged.items()]
    batches = [batch for batch in batches if batch.indices.shape[0]]
    if not batches:
        raise BuildError.single("", MSG_NO_AREA)
    return batches


def _batch(material: Material, mesh: MergedMesh) -> Batch:
    vertices = mesh.positions.shape[0]
    uvs = mesh.uvs
    if uvs is None or uvs.shape != (vertices, 2):  # a texture without coordinates: not sampled
        uvs = np.zeros((vertices, 2), np.float32)
    return Batch(
        material=material,
        positions=mesh.positions,
        normals=mesh.normals,
        uvs=uvs,
        indices=mesh.indices.astype(np.uint32),
    )


def all_positions(batches: list[Batch]) -> NDArray[np.float64]:
    """Every placed vertex of every batch, as float64: what the camera must frame."""
    return np.concatenate([batch.positions for batch in batches]).astype(np.float64)
