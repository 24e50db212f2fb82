"""``Scene -> PNG``: the preview image of a model, as a product shot.

A three-quarter view from the front-right and above, framed to the model whatever its size, on a
light seamless backdrop that is also the ground, with a soft shadow under the model. The same
scene always gives the same bytes (no timestamp, no randomness), so the PNG can be stored under
its content address.
"""

from __future__ import annotations

import io
import re

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from arservice.errors import InputError
from arservice.i18n import N_
from arservice.parametric.scene import Scene, srgb_to_linear
from arservice.render.camera import direction, fit_camera, fit_light
from arservice.render.engine import SHADOW_MAP_PX, Ground, render_rgba
from arservice.render.geometry import all_positions, scene_batches

DEFAULT_SIZE = 1024
MIN_SIZE = 16
MAX_SIZE = 4096
DEFAULT_BACKGROUND = "#f1f1ef"

AZIMUTH = 35.0
"""Degrees from the front (+Z) towards the right (+X)."""
ELEVATION = 30.0
"""Degrees above the ground."""
FIELD_OF_VIEW = 30.0
"""Degrees, on the image's shorter side."""
MARGIN = 0.06
"""The part of the frame's width (or height) left free on each side of the model."""
KEY_AZIMUTH = -35.0
KEY_ELEVATION = 60.0
"""The key light comes from the front-left and high above, so the right-hand faces are in shade
and a short shadow falls behind the model; the frame takes in the shadow too."""

MSG_SIZE = N_("the image size must be between {min} and {max} pixels; it is {size}")
MSG_BACKGROUND = N_("the background must be a colour written #rrggbb; it is {value}")

_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def render_preview(
    scene: Scene,
    *,
    size: int = DEFAULT_SIZE,
    width: int | None = None,
    height: int | None = None,
    background: str | None = DEFAULT_BACKGROUND,
) -> bytes:
    """The model's preview as PNG bytes, ``width`` x ``height`` pixels (both ``size`` by default).

    ``background`` is an sRGB colour ``#rrggbb`` (the ground is the same colour), or None for a
    transparent image in which only the model and its shadow are opaque. Raises
    :class:`~arservice.errors.BuildError` for a scene with nothing to draw and
    :class:`~arservice.errors.InputError` for a size or background that cannot be drawn.
    """
    image = render_image(scene, size=size, width=width, height=height, background=background)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def render_image(
    scene: Scene,
    *,
    size: int = DEFAULT_SIZE,
    width: int | None = None,
    height: int | None = None,
    background: str | None = DEFAULT_BACKGROUND,
) -> Image.Image:
    """The preview as a Pillow image: RGB on a background colour, RGBA when transparent."""
    width = _checked_size(size if width is None else width, "width")
    height = _checked_size(size if height is None else height, "height")
    backdrop = None if background is None else _linear_color(background)
    batches = scene_batches(scene)
    points = all_positions(batches)
    key = direction(KEY_AZIMUTH, KEY_ELEVATION)
    shadow_tips = points - np.outer(points[:, 1] / key[1], key)
    camera = fit_camera(
        np.concatenate([points, shadow_tips]),
        width,
        height,
        azimuth=AZIMUTH,
        elevation=ELEVATION,
        fov=FIELD_OF_VIEW,
        margin=MARGIN,
    )
    light = fit_light(points, key, SHADOW_MAP_PX)
    ground = _ground(points, backdrop)
    pixels = render_rgba(batches, camera, light, ground, width, height)
    if backdrop is None:
        return Image.fromarray(_unpremultiply(pixels))
    return Image.fromarray(np.ascontiguousarray(pixels[:, :, :3]))


def _ground(points: NDArray[np.float64], backdrop: tuple[float, float, float] | None) -> Ground:
    """The shadow's softness and reach, in proportion to the model."""
    low, high = points.min(axis=0), points.max(axis=0)
    span = float(np.linalg.norm(high - low))
    model_height = float(high[1] - low[1])
    reach = max(0.5 * model_height, 0.03 * span, 1e-4)
    return Ground(
        background=backdrop,
        key_strength=0.42,
        contact_strength=0.55,
        contact_reach=reach,
        contact_blur=0.3 * reach,
        model_radius=0.0025 * span,
        ground_radius=0.004 * span,
    )


def _checked_size(value: int, loc: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_SIZE <= value <= MAX_SIZE:
        raise InputError.single(loc, MSG_SIZE, min=MIN_SIZE, max=MAX_SIZE, size=value)
    return value


def _linear_color(value: str) -> tuple[float, float, float]:
    if not isinstance(value, str) or not _COLOR_RE.match(value):
        raise InputError.single("background", MSG_BACKGROUND, value=value)
    r, g, b = (srgb_to_linear(int(value[i : i + 2], 16) / 255.0) for i in (1, 3, 5))
    return r, g, b


def _unpremultiply(pixels: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Straight alpha for PNG from premultiplied RGBA (rounded to nearest, deterministic)."""
    alpha = pixels[:, :, 3:4].astype(np.float64)
    color = pixels[:, :, :3].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        straight = np.where(alpha > 0, np.minimum(color * 255.0 / alpha, 255.0), 0.0)
    out = np.empty_like(pixels)
    out[:, :, :3] = np.floor(straight + 0.5).astype(np.uint8)
    out[:, :, 3] = pixels[:, :, 3]
    return out
