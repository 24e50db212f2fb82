"""``Scene -> GLB bytes``: the delivered model, one draw call per material.

The writer merges every instance that shares a material into one primitive: each instance's
matrix is baked into its positions (normals by the inverse-transpose, renormalised; a mirroring
matrix flips the triangle winding so faces stay outward), so a model with three materials costs a
phone three draw calls however many parts it has. That is Scene Viewer's rule (fewest draw calls)
and keeps the file small enough for the model contract's budgets.

The output is::

    scenes[0] -> nodes[0] (named after the template, no transform) -> meshes[0]
    meshes[0].primitives[k] -> materials[k], in the order the scene first uses them

The names the merge loses survive in ``nodes[0].extras["arservice"]`` (the node that holds the
mesh, so three.js shows them as the object's ``userData``)::

    {"template": "outdoor-gym", "version": 1, "params": {...}, "title": {...},
     "description": {...},
     "parts": [{"name": "bench/leg_1", "material": "concrete",
                "bounds": [[minx, miny, minz], [maxx, maxy, maxz]]}, ...]}

``parts`` lists every instance in scene order with its placed bounds, rounded to 0.1 mm.

The same scene always gives the same bytes: the JSON is built in a fixed order (mappings from the
scene — params and texts — are sorted by key) and holds no timestamp.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from arservice import GENERATOR_NAME
from arservice.errors import BuildError
from arservice.gltf.inspect import CHUNK_BIN, CHUNK_JSON, GLB_MAGIC, image_mime
from arservice.i18n import N_
from arservice.parametric.merge import MaterialBatch, MergedMesh
from arservice.parametric.scene import Instance, Material, Scene

ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963
FLOAT = 5126
UNSIGNED_SHORT = 5123
UNSIGNED_INT = 5125
LINEAR = 9729
LINEAR_MIPMAP_LINEAR = 9987
MAX_UINT16_VERTICES = 65535
"""uint16 indices stop here: the index 65535 is the primitive-restart value, which glTF forbids."""
BOUNDS_DIGITS = 4
"""Part bounds in ``extras`` are rounded to 0.1 mm."""


def export_glb(scene: Scene) -> bytes:
    """The scene as a glTF 2.0 binary that passes the Khronos validator without warnings.

    Raises :class:`BuildError` when the scene has no triangles (every part switched off), when an
    instance names a material the scene does not define, when a textured material's part has no
    texture coordinates, or when a placed vertex is not a finite number. Materials no part uses
    are left out; so are degenerate triangles (repeated corners, or no area once placed).
    """
    merged, parts = _place_instances(scene)
    if not merged:
        raise BuildError.single("", N_("the model has no geometry: every part is switched off"))
    writer = _GlbWriter()
    primitives = [writer.add_primitive(p, number) for number, p in enumerate(merged.values())]
    materials = [writer.material(name, scene.materials[name]) for name in merged]
    info = scene.info
    extras = {
        "arservice": {
            "template": info.template_id,
            "version": info.template_version,
            "params": _sorted(info.params),
            "title": _sorted(info.title),
            "description": _sorted(info.description),
            "parts": parts,
        }
    }
    document: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": GENERATOR_NAME},
        "scene": 0,
        "scenes": [{"name": info.template_id, "nodes": [0]}],
        "nodes": [{"name": info.template_id, "mesh": 0, "extras": extras}],
        "meshes": [{"name": info.template_id, "primitives": primitives}],
        "materials": materials,
    }
    document.update(writer.texture_tables())
    document["accessors"] = writer.accessors
    document["bufferViews"] = writer.views
    document["buffers"] = [{"byteLength": writer.byte_length}]
    return _pack_glb(document, writer.binary())


def _place_instances(scene: Scene) -> tuple[dict[str, MergedMesh], list[dict[str, Any]]]:
    """One primitive per material in first-use order (none without triangles), and the parts."""
    batches: dict[str, MaterialBatch] = {}
    parts: list[dict[str, Any]] = []
    for number, instance in enumerate(scene.instances):
        material = _material_of(scene, instance, f"instances[{number}]")
        placed = batches.setdefault(instance.material, MaterialBatch()).add(
            instance, _textured(material)
        )
        bounds = None
        if placed.shape[0]:
            low, high = placed.min(axis=0), placed.max(axis=0)
            if not (np.isfinite(low).all() and np.isfinite(high).all()):
                raise BuildError.single(
                    f"instances[{number}]",
                    N_("the part {part} has a vertex that is not a number"),
                    part=instance.name,
                )
            bounds = [_rounded(low), _rounded(high)]
        parts.append({"name": instance.name, "material": instance.material, "bounds": bounds})
    primitives = {name: batch.join() for name, batch in batches.items()}
    return {name: p for name, p in primitives.items() if p.indices.shape[0]}, parts


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
    _check_texture(material, f"materials.{instance.material}")
    uvs = instance.mesh.uvs
    if material.texture is not None and (uvs is None or not np.isfinite(uvs).all()):
        raise BuildError.single(
            loc,
            N_("the part {part} has a textured material but no valid texture coordinates"),
            part=instance.name,
        )
    return material


class _GlbWriter:
    """Collects accessors, buffer views and images into one 4-byte aligned binary chunk."""

    def __init__(self) -> None:
        self.accessors: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.images: list[dict[str, Any]] = []
        self._image_index: dict[bytes, int] = {}
        self._chunks: list[bytes] = []
        self.byte_length = 0

    def add_primitive(self, primitive: MergedMesh, material: int) -> dict[str, Any]:
        """Write one primitive's accessors; return its JSON."""
        positions = primitive.positions
        attributes = {
            "POSITION": self._accessor(
                positions, "VEC3", ARRAY_BUFFER, bounds=(positions.min(0), positions.max(0))
            ),
            "NORMAL": self._accessor(primitive.normals, "VEC3", ARRAY_BUFFER),
        }
        if primitive.uvs is not None:
            attributes["TEXCOORD_0"] = self._accessor(primitive.uvs, "VEC2", ARRAY_BUFFER)
        small = positions.shape[0] <= MAX_UINT16_VERTICES
        indices = primitive.indices.astype(np.uint16 if small else np.uint32).reshape(-1)
        return {
            "attributes": attributes,
            "indices": self._accessor(indices, "SCALAR", ELEMENT_ARRAY_BUFFER),
            "material": material,
        }

    def material(self, name: str, material: Material) -> dict[str, Any]:
        """The glTF material; a texture, if any, is embedded once however often it is used."""
        pbr: dict[str, Any] = {"baseColorFactor": [_unit(c) for c in material.base_color]}
        if material.texture is not None:
            pbr["baseColorTexture"] = {"index": self._image(material)}
        pbr["metallicFactor"] = _unit(material.metallic)
        pbr["roughnessFactor"] = _unit(material.roughness)
        result: dict[str, Any] = {"name": name, "pbrMetallicRoughness": pbr}
        if material.is_transparent:
            result["alphaMode"] = "BLEND"
        if material.double_sided:
            result["doubleSided"] = True
        return result

    def texture_tables(self) -> dict[str, Any]:
        """``textures``, ``images`` and ``samplers``, or nothing when no material has a texture."""
        if not self.images:
            return {}
        sampler = {"magFilter": LINEAR, "minFilter": LINEAR_MIPMAP_LINEAR}
        return {
            "textures": [{"sampler": 0, "source": i} for i in range(len(self.images))],
            "images": self.images,
            "samplers": [sampler],
        }

    def binary(self) -> bytes:
        return b"".join(self._chunks)

    def _image(self, material: Material) -> int:
        assert material.texture is not None
        index = self._image_index.get(material.texture)
        if index is None:
            index = len(self.images)
            self._image_index[material.texture] = index
            view = self._view(material.texture, target=None)
            mime = image_mime(material.texture)
            self.images.append({"bufferView": view, "mimeType": mime})
        return index

    def _accessor(
        self,
        array: NDArray[Any],
        kind: str,
        target: int,
        bounds: tuple[NDArray[Any], NDArray[Any]] | None = None,
    ) -> int:
        component = {
            np.dtype(np.float32): FLOAT,
            np.dtype(np.uint16): UNSIGNED_SHORT,
            np.dtype(np.uint32): UNSIGNED_INT,
        }
        data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        accessor: dict[str, Any] = {
            "bufferView": self._view(data.tobytes(), target),
            "componentType": component[array.dtype],
            "count": int(array.shape[0]),
            "type": kind,
        }
        if bounds is not None:  # the float32 values written, exactly, as the validator wants
            accessor["min"] = bounds[0].tolist()
            accessor["max"] = bounds[1].tolist()
        self.accessors.append(accessor)
        return len(self.accessors) - 1

    def _view(self, data: bytes, target: int | None) -> int:
        view: dict[str, Any] = {
            "buffer": 0,
            "byteOffset": self.byte_length,
            "byteLength": len(data),
        }
        if target is not None:
            view["target"] = target
        self._chunks.append(_padded(data, b"\0"))
        self.byte_length += len(self._chunks[-1])
        self.views.append(view)
        return len(self.views) - 1


def _pack_glb(document: dict[str, Any], binary: bytes) -> bytes:
    """The GLB container: a 12-byte header, the JSON chunk (space-padded), the BIN chunk."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    json_chunk = _padded(text.encode("utf-8"), b" ")
    bin_chunk = _padded(binary, b"\0")
    total = 12 + 8 + len(json_chunk) + 8 + len(bin_chunk)
    return b"".join(
        (
            struct.pack("<4sII", GLB_MAGIC, 2, total),
            struct.pack("<II", len(json_chunk), CHUNK_JSON),
            json_chunk,
            struct.pack("<II", len(bin_chunk), CHUNK_BIN),
            bin_chunk,
        )
    )


def _padded(data: bytes, pad: bytes) -> bytes:
    return data + pad * (-len(data) % 4)


def _check_texture(material: Material, loc: str) -> None:
    """A texture must be a PNG or a JPEG and say so; glTF allows no other base colour image."""
    if material.texture is None:
        return
    mime = image_mime(material.texture)
    if mime is None or material.texture_mime not in (None, mime):
        raise BuildError.single(
            loc,
            N_("the texture of the material {material} is not a PNG or JPEG image"),
            material=material.name,
        )


def _textured(material: Material) -> bool:
    return material.texture is not None


def _unit(value: float) -> float:
    """A factor clamped to 0..1, as glTF requires."""
    return min(max(float(value), 0.0), 1.0)


def _rounded(values: NDArray[np.float64]) -> list[float]:
    # ``+ 0.0`` turns -0.0 into 0.0, so "-0.0" never appears in the JSON
    return [round(float(v), BOUNDS_DIGITS) + 0.0 for v in values]


def _sorted(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: mapping[key] for key in sorted(mapping)}
