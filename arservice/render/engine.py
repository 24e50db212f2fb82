"""The OpenGL side: a headless context on Mesa's llvmpipe (EGL, no display, no GPU) and the passes.

One context serves the whole process. It is made on first use (so a process that forks its
workers before rendering gives each its own) and used under a lock: a render holds the context
from its first pass to its read-back, so threads take turns. Every buffer, texture and framebuffer
a render makes is released before it returns.

Passes, in order:

1. the key light's shadow map (depth only, from an orthographic frustum fitted to the model);
2. two top-down float maps of the ground under the model and its shadow: how near the model
   comes to each point (blurred by a Gaussian, applied in the frequency domain with NumPy), and
   how much of the key light reaches it (the shadow map read with a wide soft filter);
3. the picture, multisampled: opaque materials (back faces culled unless double-sided), the
   ground behind them, then transparent materials far to near with premultiplied blending;
4. the multisampled picture resolved and read back as RGBA bytes.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import moderngl
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from arservice.render import shaders
from arservice.render.camera import Camera, Light
from arservice.render.geometry import Batch

SYSTEM_PACKAGES = "libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri"
GL_SRGB8_ALPHA8 = 0x8C43
SHADOW_MAP_PX = 2048
GROUND_MAP_PX = 512
SAMPLES = 4


class RendererUnavailableError(RuntimeError):
    """No OpenGL context can be made: the system's Mesa/EGL libraries are missing."""


@dataclass(frozen=True)
class Ground:
    """How the ground under the model is shaded."""

    background: tuple[float, float, float] | None  # linear RGB, or None for a transparent one
    key_strength: float  # how dark the key light's shadow is, 0..1
    contact_strength: float  # how dark the contact shadow is at its darkest, 0..1
    contact_reach: float  # metres above the ground where the contact shadow fades out
    contact_blur: float  # metres: the contact shadow's Gaussian sigma
    model_radius: float  # metres: the key shadow's softness on the model
    ground_radius: float  # metres: the key shadow's softness on the ground


@dataclass
class _Engine:
    context: moderngl.Context
    model: moderngl.Program
    ground: moderngl.Program
    depth: moderngl.Program
    contact: moderngl.Program
    key_map: moderngl.Program


_lock = threading.Lock()
_engine: _Engine | None = None


def _get_engine() -> _Engine:
    global _engine
    if _engine is None:
        try:
            settings: dict[str, Any] = {"backend": "egl"}  # headless: EGL, no display
            context = moderngl.create_context(standalone=True, require=330, **settings)
        except Exception as exc:
            raise RendererUnavailableError(
                "no headless OpenGL context could be made for preview images "
                f"(Mesa's llvmpipe through EGL); install the Debian packages {SYSTEM_PACKAGES}: "
                f"{exc}"
            ) from exc
        _engine = _Engine(
            context=context,
            model=context.program(
                vertex_shader=shaders.MODEL_VERTEX, fragment_shader=shaders.MODEL_FRAGMENT
            ),
            ground=context.program(
                vertex_shader=shaders.GROUND_VERTEX, fragment_shader=shaders.GROUND_FRAGMENT
            ),
            depth=context.program(
                vertex_shader=shaders.DEPTH_VERTEX, fragment_shader=shaders.DEPTH_FRAGMENT
            ),
            contact=context.program(
                vertex_shader=shaders.CONTACT_VERTEX, fragment_shader=shaders.CONTACT_FRAGMENT
            ),
            key_map=context.program(
                vertex_shader=shaders.FULL_SCREEN_VERTEX, fragment_shader=shaders.KEY_MAP_FRAGMENT
            ),
        )
    return _engine


_GlObject = TypeVar("_GlObject", bound=Any)


class _Resources:
    """GL objects made during one render, released together."""

    def __init__(self) -> None:
        self._objects: list[Any] = []

    def keep(self, obj: _GlObject) -> _GlObject:
        self._objects.append(obj)
        return obj

    def release(self) -> None:
        for obj in reversed(self._objects):
            obj.release()
        self._objects.clear()


@contextmanager
def _session() -> Iterator[tuple[_Engine, _Resources]]:
    with _lock:
        engine = _get_engine()
        resources = _Resources()
        with engine.context:
            try:
                yield engine, resources
            finally:
                resources.release()


def _set(program: moderngl.Program, **values: Any) -> None:
    """Set uniforms; ones the compiler dropped as unused are skipped."""
    for name, value in values.items():
        uniform = program.get(name, None)
        if not isinstance(uniform, moderngl.Uniform):
            continue
        if isinstance(value, np.ndarray) and value.shape == (4, 4):
            uniform.write(value.T.astype("<f4").tobytes())
        elif isinstance(value, np.ndarray):
            uniform.value = tuple(float(v) for v in value)
        else:
            uniform.value = value


@dataclass(frozen=True)
class _Mesh:
    batch: Batch
    vbo: moderngl.Buffer
    ibo: moderngl.Buffer  # the triangles, a transparent material's sorted far to near


def render_rgba(
    batches: list[Batch],
    camera: Camera,
    light: Light,
    ground: Ground,
    width: int,
    height: int,
) -> NDArray[np.uint8]:
    """The picture as premultiplied RGBA rows, top row first: shape (height, width, 4)."""
    with _session() as (engine, keep):
        ctx = engine.context
        meshes = [_upload(ctx, keep, batch, camera) for batch in batches]
        shadow = _shadow_map(ctx, keep, engine, meshes, light)
        area = _ground_area(meshes, light, ground)
        contact = _contact_map(ctx, keep, engine, meshes, ground, area)
        corners = keep.keep(ctx.buffer(np.array([-1, -1, 3, -1, -1, 3], "<f4").tobytes()))
        key_map = _key_map(ctx, keep, engine, shadow, light, ground, area, corners)

        color = keep.keep(ctx.renderbuffer((width, height), 4, samples=SAMPLES))
        depth = keep.keep(ctx.depth_renderbuffer((width, height), samples=SAMPLES))
        frame = keep.keep(ctx.framebuffer(color_attachments=[color], depth_attachment=depth))
        frame.use()
        ctx.viewport = (0, 0, width, height)
        clear = (
            (0.0, 0.0, 0.0, 0.0) if ground.background is None else (*_srgb(ground.background), 1.0)
        )
        frame.clear(*clear, depth=1.0)
        ctx.enable(moderngl.DEPTH_TEST)
        ctx.depth_func = "<"
        ctx.front_face = "ccw"
        ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        ctx.blend_equation = moderngl.FUNC_ADD, moderngl.FUNC_ADD

        shadow.use(0)
        view_projection = camera.view_projection()
        _set(
            engine.model,
            u_view_projection=view_projection,
            u_eye=camera.eye,
            u_light=light.direction,
            u_shadow_radius=ground.model_radius / (light.texel * SHADOW_MAP_PX),
            u_texture=1,
            **_shadow_uniforms(light, ground),
        )
        opaque = [m for m in meshes if not m.batch.material.is_transparent]
        transparent = [m for m in meshes if m.batch.material.is_transparent]
        ctx.disable(moderngl.BLEND)
        for mesh in opaque:
            _draw_model(ctx, keep, engine, mesh)

        _set(
            engine.ground,
            u_view_projection=view_projection,
            u_background=np.array(ground.background or (0.0, 0.0, 0.0)),
            u_transparent=ground.background is None,
            u_contact=2,
            u_key_map=3,
            u_ground_rect=np.array([area.x0, area.z0, 1.0 / area.width, 1.0 / area.depth]),
            u_key_strength=ground.key_strength,
            u_contact_strength=ground.contact_strength,
        )
        contact.use(2)
        key_map.use(3)
        ctx.disable(moderngl.CULL_FACE)
        if ground.background is None:
            ctx.enable(moderngl.BLEND)
        frame.depth_mask = False
        x1, z1 = area.x0 + area.width, area.z0 + area.depth
        quad = np.array([area.x0, area.z0, x1, area.z0, area.x0, z1, x1, z1], "<f4")
        ground_corners = keep.keep(ctx.buffer(quad.tobytes()))
        vao = ctx.vertex_array(engine.ground, [(ground_corners, "2f", "in_ground")])
        ctx.polygon_offset = 1.0, 4.0  # behind a model's faces that lie on the ground
        keep.keep(vao).render(moderngl.TRIANGLE_STRIP)
        ctx.polygon_offset = 0.0, 0.0

        ctx.enable(moderngl.BLEND)
        for mesh in sorted(transparent, key=lambda m: -_mean_depth(m.batch, camera)):
            _draw_model(ctx, keep, engine, mesh)
        frame.depth_mask = True
        ctx.disable(moderngl.BLEND)

        resolved_color = keep.keep(ctx.renderbuffer((width, height), 4))
        resolved = keep.keep(ctx.framebuffer(color_attachments=[resolved_color]))
        ctx.copy_framebuffer(resolved, frame)
        data = resolved.read(components=4, alignment=1)
        ctx.finish()
    pixels = np.frombuffer(data, np.uint8).reshape(height, width, 4)
    return np.ascontiguousarray(pixels[::-1])


def _srgb(linear: tuple[float, float, float]) -> tuple[float, float, float]:
    values = []
    for c in linear:
        values.append(c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055)
    return values[0], values[1], values[2]


def _mean_depth(batch: Batch, camera: Camera) -> float:
    return float(camera.depths(batch.positions.astype(np.float64)).mean())


def _upload(ctx: moderngl.Context, keep: _Resources, batch: Batch, camera: Camera) -> _Mesh:
    order = batch.indices
    if batch.material.is_transparent:
        centres = batch.positions.astype(np.float64)[order.astype(np.int64)].mean(axis=1)
        far_first = np.argsort(-camera.depths(centres), kind="stable")
        order = order[far_first]
    vbo = keep.keep(ctx.buffer(batch.interleaved()))
    ibo = keep.keep(ctx.buffer(np.ascontiguousarray(order, dtype="<u4").tobytes()))
    return _Mesh(batch=batch, vbo=vbo, ibo=ibo)


def _draw_model(ctx: moderngl.Context, keep: _Resources, engine: _Engine, mesh: _Mesh) -> None:
    material = mesh.batch.material
    if material.double_sided:
        ctx.disable(moderngl.CULL_FACE)
    else:
        ctx.enable(moderngl.CULL_FACE)
        ctx.cull_face = "back"
    textured = False
    if material.texture is not None:
        texture = _texture(ctx, keep, material.texture)
        if texture is not None:
            texture.use(1)
            textured = True
    _set(
        engine.model,
        u_base_color=np.array(material.base_color),
        u_metallic=float(material.metallic),
        u_roughness=float(material.roughness),
        u_textured=textured,
    )
    vao = keep.keep(
        ctx.vertex_array(
            engine.model,
            [(mesh.vbo, "3f 3f 2f", "in_position", "in_normal", "in_uv")],
            mesh.ibo,
            index_element_size=4,
        )
    )
    vao.render(moderngl.TRIANGLES)


def _texture(ctx: moderngl.Context, keep: _Resources, data: bytes) -> moderngl.Texture | None:
    """A base-colour image as an sRGB texture with mipmaps; None when it cannot be read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            rgba = image.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    texture = keep.keep(ctx.texture(rgba.size, 4, rgba.tobytes(), internal_format=GL_SRGB8_ALPHA8))
    texture.build_mipmaps()
    texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
    return texture


def _shadow_map(
    ctx: moderngl.Context, keep: _Resources, engine: _Engine, meshes: list[_Mesh], light: Light
) -> Any:
    texture = keep.keep(ctx.depth_texture((SHADOW_MAP_PX, SHADOW_MAP_PX)))
    frame = keep.keep(ctx.framebuffer(depth_attachment=texture))
    frame.use()
    ctx.viewport = (0, 0, SHADOW_MAP_PX, SHADOW_MAP_PX)
    frame.clear(depth=1.0)
    ctx.enable(moderngl.DEPTH_TEST)
    ctx.depth_func = "<"
    ctx.disable(moderngl.CULL_FACE | moderngl.BLEND)
    ctx.polygon_offset = 2.0, 4.0
    _set(engine.depth, u_light_matrix=light.matrix)
    for mesh in meshes:
        if mesh.batch.material.base_color[3] < 0.75:
            continue  # nets and meshes: the contact shadow gives them a faint shade instead
        vao = keep.keep(
            ctx.vertex_array(
                engine.depth, [(mesh.vbo, "3f 20x", "in_position")], mesh.ibo, index_element_size=4
            )
        )
        vao.render(moderngl.TRIANGLES)
    ctx.polygon_offset = 0.0, 0.0
    texture.compare_func = "<="
    texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
    texture.repeat_x = texture.repeat_y = False
    return texture


@dataclass(frozen=True)
class _GroundArea:
    """The part of the ground the top-down maps cover, and their size in texels."""

    x0: float
    z0: float
    width: float
    depth: float
    texels: tuple[int, int]


def _ground_area(meshes: list[_Mesh], light: Light, ground: Ground) -> _GroundArea:
    """The model's footprint and its key shadow, with room for the shadows' soft edges."""
    positions = np.concatenate([m.batch.positions for m in meshes]).astype(np.float64)
    towards = light.direction
    tips = positions - np.outer(positions[:, 1] / towards[1], towards)
    both = np.concatenate([positions, tips])
    low, high = both.min(axis=0), both.max(axis=0)
    pad = max(3.5 * ground.contact_blur, 2.0 * ground.ground_radius)
    pad += 1e-3 * float(np.linalg.norm(high - low))
    x0, x1 = float(low[0]) - pad, float(high[0]) + pad
    z0, z1 = float(low[2]) - pad, float(high[2]) + pad
    scale = GROUND_MAP_PX / max(x1 - x0, z1 - z0)
    texels = (max(16, round((x1 - x0) * scale)), max(16, round((z1 - z0) * scale)))
    return _GroundArea(x0=x0, z0=z0, width=x1 - x0, depth=z1 - z0, texels=texels)


def _shadow_uniforms(light: Light, ground: Ground) -> dict[str, Any]:
    return {
        "u_light_matrix": light.matrix,
        "u_normal_offset": 1.5 * light.texel + 1.2 * ground.model_radius,
        "u_shadow": 0,
    }


def _key_map(
    ctx: moderngl.Context,
    keep: _Resources,
    engine: _Engine,
    shadow: moderngl.Texture,
    light: Light,
    ground: Ground,
    area: _GroundArea,
    corners: moderngl.Buffer,
) -> moderngl.Texture:
    """How much of the key light reaches each texel of the ground, softened."""
    target = keep.keep(ctx.texture(area.texels, 1, dtype="f4"))
    frame = keep.keep(ctx.framebuffer(color_attachments=[target]))
    frame.use()
    ctx.viewport = (0, 0, *area.texels)
    ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE | moderngl.BLEND)
    shadow.use(0)
    _set(
        engine.key_map,
        u_rect=np.array([area.x0, area.z0, area.width, area.depth]),
        u_ground_radius=ground.ground_radius / (light.texel * SHADOW_MAP_PX),
        **_shadow_uniforms(light, ground),
    )
    keep.keep(ctx.vertex_array(engine.key_map, [(corners, "2f", "in_corner")])).render()
    target.filter = (moderngl.LINEAR, moderngl.LINEAR)
    target.repeat_x = target.repeat_y = False
    return target


def _contact_map(
    ctx: moderngl.Context,
    keep: _Resources,
    engine: _Engine,
    meshes: list[_Mesh],
    ground: Ground,
    area: _GroundArea,
) -> moderngl.Texture:
    """How near the model comes to each texel of the ground, blurred."""
    top = np.zeros((4, 4))
    top[0, 0], top[0, 3] = 2.0 / area.width, -1.0 - 2.0 * area.x0 / area.width
    top[1, 2], top[1, 3] = 2.0 / area.depth, -1.0 - 2.0 * area.z0 / area.depth
    top[3, 3] = 1.0
    target = keep.keep(ctx.texture(area.texels, 1, dtype="f4"))
    frame = keep.keep(ctx.framebuffer(color_attachments=[target]))
    frame.use()
    ctx.viewport = (0, 0, *area.texels)
    frame.clear(0.0, 0.0, 0.0, 0.0)
    ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
    ctx.enable(moderngl.BLEND)
    ctx.blend_equation = moderngl.MAX, moderngl.MAX
    _set(engine.contact, u_top_matrix=top, u_reach=ground.contact_reach)
    for mesh in meshes:
        _set(engine.contact, u_opacity=float(mesh.batch.material.base_color[3]))
        vao = keep.keep(
            ctx.vertex_array(
                engine.contact,
                [(mesh.vbo, "3f 20x", "in_position")],
                mesh.ibo,
                index_element_size=4,
            )
        )
        vao.render(moderngl.TRIANGLES)
    ctx.blend_equation = moderngl.FUNC_ADD, moderngl.FUNC_ADD
    ctx.disable(moderngl.BLEND)
    columns, rows = area.texels
    values = np.frombuffer(frame.read(components=1, dtype="f4", alignment=1), "<f4")
    sigma = ground.contact_blur * columns / area.width
    blurred = _gaussian_blur(values.reshape(rows, columns), sigma)
    texture = keep.keep(ctx.texture(area.texels, 1, blurred.astype("<f4").tobytes(), dtype="f4"))
    texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
    texture.repeat_x = texture.repeat_y = False
    return texture


def _gaussian_blur(image: NDArray[np.float32], sigma: float) -> NDArray[np.float64]:
    """A Gaussian blur by the FFT (the map's margin keeps the wrap-around out of sight)."""
    if sigma <= 0.0:
        return image.astype(np.float64)
    rows, cols = image.shape
    fy = np.fft.fftfreq(rows)[:, None]
    fx = np.fft.rfftfreq(cols)[None, :]
    kernel = np.exp(-2.0 * np.pi**2 * sigma**2 * (fx**2 + fy**2))
    result = np.fft.irfft2(np.fft.rfft2(image.astype(np.float64)) * kernel, s=image.shape)
    return np.clip(result, 0.0, 1.0)
