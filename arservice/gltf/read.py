"""An uploaded component GLB (a manufacturer's bench, an info sign) as scene instances.

:func:`read_glb_asset` takes what a template's ``asset:`` part needs: every triangle primitive of
the default scene, its node transforms baked into each :class:`Instance`'s matrix (a mesh drawn by
two nodes is one shared :class:`MeshData`), and each material's base colour factor and texture,
metallic and roughness factors and double-sidedness. Material names get the asset's name as a
prefix (``info-sign/Board``) so they never clash with the template's own.

Not kept: animations, skins, morph targets, vertex colours, emissive, normal and occlusion maps,
texture transforms and samplers, alpha masks (``MASK`` is read as opaque).

Refused, with :class:`AssetError` items that name the place (``meshes[0].primitives[1]``):
a file over :data:`MAX_ASSET_BYTES` (checked first), anything that is not a binary glTF 2.0 file
(a ``.gltf`` text, a truncated GLB), external or data URIs, Draco or meshopt compression or any
other required extension, primitives that are not triangle lists, sparse accessors, data that
lies outside its buffer, and a scene without triangles.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from arservice.errors import AssetError, ErrorItem
from arservice.gltf.inspect import TRIANGLES, image_mime, scene_nodes, split_glb
from arservice.i18n import N_
from arservice.parametric.scene import Instance, Material, MeshData

MAX_ASSET_BYTES = 10 * 1024 * 1024
"""DESIGN's limit for a component GLB: 10 MB."""
COMPRESSION = {
    "KHR_draco_mesh_compression": "Draco",
    "EXT_meshopt_compression": "meshopt",
    "KHR_meshopt_compression": "meshopt",
}
_COMPONENTS = {5120: "i1", 5121: "u1", 5122: "i2", 5123: "u2", 5125: "u4", 5126: "f4"}
_WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}
_NORMALIZED_SCALE = {"i1": 127.0, "u1": 255.0, "i2": 32767.0, "u2": 65535.0}


def read_glb_asset(data: bytes, name: str) -> tuple[tuple[Instance, ...], dict[str, Material]]:
    """The GLB's triangles as instances named ``name/<node>``, and the materials they use."""
    if len(data) > MAX_ASSET_BYTES:
        raise AssetError.single(
            "",
            N_("the file is {size} MB; a component model may be at most {limit} MB"),
            size=round(len(data) / 1024 / 1024, 1),
            limit=MAX_ASSET_BYTES // 1024 // 1024,
        )
    document, binary = split_glb(data)
    try:
        return _Reader(document, binary, name).read()
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        # A reference that points nowhere or a value of the wrong type: the uploader needs to
        # know the file is broken, not which Python exception found it.
        raise AssetError.single("", N_("the file is not a valid glTF model")) from None


class _Reader:
    def __init__(self, document: dict[str, Any], binary: bytes, name: str) -> None:
        self.doc = document
        self.binary = binary
        self.name = name
        self.errors: list[ErrorItem] = []
        self.meshes: dict[tuple[int, int], MeshData] = {}
        self.materials: dict[str, Material] = {}
        self.texcoords: dict[str, int | None] = {}
        self.material_names = _unique_names(
            [m.get("name") or f"material_{i}" for i, m in enumerate(document.get("materials", []))]
            + ["default"]
        )

    def read(self) -> tuple[tuple[Instance, ...], dict[str, Material]]:
        self._check_extensions()
        self._check_uris()
        if self.errors:
            raise AssetError(self.errors)
        instances: list[Instance] = []
        for node_index, matrix in scene_nodes(self.doc):
            node = self.doc["nodes"][node_index]
            if "mesh" not in node:
                continue
            mesh_index = node["mesh"]
            mesh = self.doc["meshes"][mesh_index]
            label = node.get("name") or mesh.get("name") or f"node_{node_index}"
            for number, primitive in enumerate(mesh["primitives"]):
                with self._collect():
                    mesh_data, material = self._primitive(mesh_index, number, primitive)
                    instances.append(Instance(f"{self.name}/{label}", mesh_data, material, matrix))
        if self.errors:
            raise AssetError(self.errors)
        if not any(instance.mesh.triangle_count for instance in instances):
            raise AssetError.single("", N_("the model has no triangles"))
        return tuple(instances), self.materials

    @contextmanager
    def _collect(self) -> Iterator[None]:
        """Gather a refused primitive's problems and go on, so the planner sees them all."""
        try:
            yield
        except AssetError as error:  # a mesh drawn by two nodes fails twice: say it once
            self.errors.extend(item for item in error.items if item not in self.errors)

    def _check_extensions(self) -> None:
        used = self.doc.get("extensionsUsed", [])
        for number, extension in enumerate(used):
            if extension in COMPRESSION:
                self._compressed(f"extensionsUsed[{number}]", extension)
        for number, extension in enumerate(self.doc.get("extensionsRequired", [])):
            loc = f"extensionsRequired[{number}]"
            if extension not in COMPRESSION:
                self._error(
                    loc,
                    N_("the model needs the glTF extension {extension}, which is not supported"),
                    extension=extension,
                )
            elif extension not in used:
                self._compressed(loc, extension)

    def _compressed(self, loc: str, extension: str) -> None:
        self.errors.append(_compressed_item(loc, extension))

    def _check_uris(self) -> None:
        for key in ("buffers", "images"):
            for number, item in enumerate(self.doc.get(key, [])):
                if "uri" in item:
                    self._error(
                        f"{key}[{number}].uri",
                        N_(
                            "the model refers to a separate file: everything must be inside the GLB"
                        ),
                    )

    def _error(self, loc: str, msgid: str, **params: Any) -> None:
        self.errors.append(ErrorItem(loc, msgid, params))

    def _primitive(
        self, mesh_index: int, number: int, primitive: dict[str, Any]
    ) -> tuple[MeshData, str]:
        loc = f"meshes[{mesh_index}].primitives[{number}]"
        mode = primitive.get("mode", TRIANGLES)
        if mode != TRIANGLES:
            raise AssetError.single(
                loc,
                N_("only triangle meshes can be used; this primitive has drawing mode {mode}"),
                mode=mode,
            )
        for extension in primitive.get("extensions", {}):
            if extension in COMPRESSION:
                raise AssetError([_compressed_item(loc, extension)])
        if "POSITION" not in primitive.get("attributes", {}):
            raise AssetError.single(loc, N_("the primitive has no vertex positions"))
        material_name, texcoord = self._material(primitive.get("material"))
        key = (mesh_index, number)
        if key not in self.meshes:
            self.meshes[key] = self._mesh_data(primitive, loc, texcoord)
        return self.meshes[key], material_name

    def _mesh_data(self, primitive: dict[str, Any], loc: str, texcoord: int | None) -> MeshData:
        attributes = primitive["attributes"]
        positions = self._accessor(attributes["POSITION"]).astype(np.float64)
        if positions.shape[1] != 3 or not np.isfinite(positions).all():
            raise AssetError.single(loc, N_("the primitive's vertex positions are not valid"))
        count = positions.shape[0]
        if "indices" in primitive:
            indices = self._accessor(primitive["indices"]).reshape(-1).astype(np.int64)
        else:
            indices = np.arange(count, dtype=np.int64)
        if indices.size % 3 or (indices.size and (indices.min() < 0 or indices.max() >= count)):
            raise AssetError.single(loc, N_("the primitive's triangle indices are not valid"))
        uvs = None
        if texcoord is not None:
            semantic = f"TEXCOORD_{texcoord}"
            if semantic not in attributes:
                raise AssetError.single(
                    loc,
                    N_("the primitive has a texture but no texture coordinates {semantic}"),
                    semantic=semantic,
                )
            uvs = self._accessor(attributes[semantic]).astype(np.float32)
            if uvs.shape != (count, 2) or not np.isfinite(uvs).all():
                raise AssetError.single(
                    loc, N_("the primitive's texture coordinates are not valid")
                )
        if "NORMAL" in attributes:
            normals = self._accessor(attributes["NORMAL"]).astype(np.float64)
            if normals.shape != (count, 3):
                raise AssetError.single(loc, N_("the primitive's normals are not valid"))
        else:  # glTF says: flat normals; give every triangle its own corners
            positions = positions[indices]
            uvs = None if uvs is None else uvs[indices]
            indices = np.arange(indices.size, dtype=np.int64)
            normals = _flat_normals(positions)
        return MeshData(
            positions=positions.astype(np.float32),
            normals=_unit_rows(normals).astype(np.float32),
            indices=indices.reshape(-1, 3).astype(np.uint32),
            uvs=uvs,
        )

    def _material(self, index: int | None) -> tuple[str, int | None]:
        """The prefixed name of a primitive's material, and its texture's TEXCOORD set."""
        name = f"{self.name}/{self.material_names[-1 if index is None else index]}"
        if name not in self.materials:
            if index is None:
                self.materials[name] = _material(name, {}, None, None)
                self.texcoords[name] = None
            else:
                source = self.doc["materials"][index]
                reference = source.get("pbrMetallicRoughness", {}).get("baseColorTexture")
                texture, mime = self._texture(reference)
                self.materials[name] = _material(name, source, texture, mime)
                self.texcoords[name] = (
                    None if texture is None else int(reference.get("texCoord", 0))
                )
        return name, self.texcoords[name]

    def _texture(self, reference: dict[str, Any] | None) -> tuple[bytes | None, str | None]:
        if reference is None:
            return None, None
        texture = self.doc["textures"][reference["index"]]
        if "source" not in texture:  # only an extension's image (e.g. WebP): keep the colour
            return None, None
        image_index = texture["source"]
        image = self.doc["images"][image_index]
        data = self._view_bytes(image["bufferView"], f"images[{image_index}]")
        mime = image_mime(data)
        if mime is None:
            raise AssetError.single(
                f"images[{image_index}]", N_("the texture is not a PNG or JPEG image")
            )
        return data, mime

    def _view_bytes(self, view_index: int, loc: str) -> bytes:
        view = self.doc["bufferViews"][view_index]
        start, size = view.get("byteOffset", 0), view["byteLength"]
        if view["buffer"] != 0 or start < 0 or size < 0 or start + size > len(self.binary):
            raise AssetError.single(loc, N_("the data lies outside the file's binary chunk"))
        return self.binary[start : start + size]

    def _accessor(self, index: int) -> NDArray[Any]:
        """An accessor's elements as an (count, width) array; normalized integers as floats."""
        loc = f"accessors[{index}]"
        accessor = self.doc["accessors"][index]
        if "sparse" in accessor:
            raise AssetError.single(loc, N_("sparse accessors are not supported"))
        code = _COMPONENTS[accessor["componentType"]]
        dtype = np.dtype("<" + code)
        width, count = _WIDTHS[accessor["type"]], int(accessor["count"])
        if "bufferView" not in accessor or count == 0:
            return np.zeros((count, width), dtype=dtype)
        view = self.doc["bufferViews"][accessor["bufferView"]]
        data = self._view_bytes(accessor["bufferView"], loc)
        element = dtype.itemsize * width
        stride = int(view.get("byteStride", element))
        start = int(accessor.get("byteOffset", 0))
        if stride < element or start < 0 or start + stride * (count - 1) + element > len(data):
            raise AssetError.single(loc, N_("the data lies outside the file's binary chunk"))
        array = np.ndarray(
            (count, width), dtype=dtype, buffer=data, offset=start, strides=(stride, dtype.itemsize)
        ).copy()
        if accessor.get("normalized") and code in _NORMALIZED_SCALE:
            return np.maximum(array / _NORMALIZED_SCALE[code], -1.0)
        return array


def _compressed_item(loc: str, extension: str) -> ErrorItem:
    msgid = N_(
        "the model is compressed with {method}, which not every phone can show: "
        "upload an uncompressed GLB"
    )
    return ErrorItem(loc, msgid, {"method": COMPRESSION[extension]})


def _flat_normals(corners: NDArray[np.float64]) -> NDArray[np.float64]:
    """One normal per corner of an unindexed triangle list: its triangle's face normal."""
    triangles = corners.reshape(-1, 3, 3)
    faces = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    return np.repeat(faces, 3, axis=0)


def _unit_rows(vectors: NDArray[np.float64]) -> NDArray[np.float64]:
    length = np.linalg.norm(vectors, axis=1)
    usable = np.isfinite(length) & (length > 1e-12)
    result = np.tile(np.array([0.0, 1.0, 0.0]), (vectors.shape[0], 1))
    result[usable] = vectors[usable] / length[usable, None]
    return result


def _unique_names(names: list[str]) -> list[str]:
    """The names, with ``_2``, ``_3``... added where one repeats, so no material shadows another."""
    seen: set[str] = set()
    result = []
    for name in names:
        unique, number = name, 1
        while unique in seen:
            number += 1
            unique = f"{name}_{number}"
        seen.add(unique)
        result.append(unique)
    return result


def _material(
    name: str, source: dict[str, Any], texture: bytes | None, mime: str | None
) -> Material:
    """Our material from a glTF one; ``{}`` gives glTF's default (white, metallic 1, rough 1)."""
    pbr = source.get("pbrMetallicRoughness", {})
    red, green, blue, alpha = (float(c) for c in pbr.get("baseColorFactor", (1, 1, 1, 1)))
    if source.get("alphaMode", "OPAQUE") != "BLEND":
        alpha = 1.0  # glTF ignores the alpha factor unless the material blends
    return Material(
        name=name,
        base_color=(red, green, blue, alpha),
        metallic=float(pbr.get("metallicFactor", 1.0)),
        roughness=float(pbr.get("roughnessFactor", 1.0)),
        texture=texture,
        texture_mime=mime,
        double_sided=bool(source.get("doubleSided", False)),
    )
