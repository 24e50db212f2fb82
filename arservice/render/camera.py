"""Cameras: the preview's three-quarter perspective view fitted to the model, and the key light.

The view looks from the front-right and above (``azimuth`` turns from +Z towards +X, as the
template format's ``ry`` does), with a modest field of view on the image's shorter side. The camera
is placed so that every vertex of the model lies inside the frame with ``margin`` (a fraction of
the frame) to spare on the tighter axis and the model centred on the other: a 1 m bench and a 40 m
ball court both fill the frame.

Matrices act on column vectors (``clip = M @ [x, y, z, 1]``) and follow OpenGL's clip space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Vec = NDArray[np.float64]

UP = np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True)
class Camera:
    """A perspective camera: where it is, its axes, and its half-extents of view."""

    eye: Vec
    right: Vec
    up: Vec
    forward: Vec
    tan_x: float  # tan of half the horizontal field of view
    tan_y: float
    near: float
    far: float

    def view_projection(self) -> Vec:
        rotation = np.stack([self.right, self.up, -self.forward])
        view = np.eye(4)
        view[:3, :3] = rotation
        view[:3, 3] = -rotation @ self.eye
        near, far = self.near, self.far
        projection = np.zeros((4, 4))
        projection[0, 0] = 1.0 / self.tan_x
        projection[1, 1] = 1.0 / self.tan_y
        projection[2, 2] = -(far + near) / (far - near)
        projection[2, 3] = -2.0 * far * near / (far - near)
        projection[3, 2] = -1.0
        return projection @ view

    def depths(self, points: Vec) -> Vec:
        """Distances of points in front of the camera, along its viewing direction."""
        return (points - self.eye) @ self.forward

    def project(self, points: Vec, width: int, height: int) -> Vec:
        """Pixel coordinates (x right, y down, from the top-left corner) of points."""
        relative = points - self.eye
        depth = relative @ self.forward
        x = (relative @ self.right) / (depth * self.tan_x)
        y = (relative @ self.up) / (depth * self.tan_y)
        return np.stack([(x + 1.0) * 0.5 * width, (1.0 - y) * 0.5 * height], axis=1)


def direction(azimuth_deg: float, elevation_deg: float) -> Vec:
    """The unit vector towards azimuth (from +Z towards +X) and elevation (above the ground)."""
    azimuth, elevation = math.radians(azimuth_deg), math.radians(elevation_deg)
    return np.array(
        [
            math.sin(azimuth) * math.cos(elevation),
            math.sin(elevation),
            math.cos(azimuth) * math.cos(elevation),
        ]
    )


def fit_camera(
    points: Vec,
    width: int,
    height: int,
    *,
    azimuth: float,
    elevation: float,
    fov: float,
    margin: float,
) -> Camera:
    """The camera looking from ``azimuth``/``elevation`` that frames every point.

    ``fov`` is the field of view in degrees on the image's shorter side; ``margin`` is the
    fraction of the frame's width (or height) left free on each side of the tighter axis.

    Each side of the frustum is a plane through the eye; the eye must lie on the far side of all
    four planes moved to touch the outermost point. Left and right fix the eye's position along
    the camera's right axis and a distance; top and bottom fix its position along the up axis and
    another distance; the eye takes the larger distance, so the other pair gets more room, split
    equally between its two sides.
    """
    forward = -direction(azimuth, elevation)
    right = np.cross(forward, UP)
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    half = math.tan(math.radians(fov) / 2.0)
    aspect = width / height
    tan_x, tan_y = (half * aspect, half) if aspect >= 1.0 else (half, half / aspect)
    a, b = tan_x * (1.0 - 2.0 * margin), tan_y * (1.0 - 2.0 * margin)

    def reach(normal: Vec) -> float:
        return float(np.max(points @ normal))

    r, left = reach(right - a * forward), reach(-right - a * forward)
    t, bottom = reach(up - b * forward), reach(-up - b * forward)
    # eye = alpha * right + beta * up + gamma * forward; the planes give alpha - a*gamma = r, ...
    gamma = min(-(r + left) / (2.0 * a), -(t + bottom) / (2.0 * b))
    eye = (r - left) / 2.0 * right + (t - bottom) / 2.0 * up + gamma * forward
    depths = (points - eye) @ forward
    nearest, farthest = float(depths.min()), float(depths.max())
    size = max(farthest - nearest, 1e-6)
    near = max(nearest * 0.5, nearest - size, 1e-6 * farthest)
    return Camera(
        eye=eye,
        right=right,
        up=up,
        forward=forward,
        tan_x=tan_x,
        tan_y=tan_y,
        near=near,
        far=farthest * 1.5 + size,
    )


@dataclass(frozen=True)
class Light:
    """A directional light with an orthographic shadow frustum fitted to the model."""

    direction: Vec  # unit, from the model towards the light
    matrix: Vec  # world -> the shadow map's clip space
    texel: float  # the size of one shadow-map texel on the ground, in metres


def fit_light(points: Vec, towards: Vec, resolution: int) -> Light:
    """The key light's shadow frustum around ``points`` and their shadows on the ground.

    A point's shadow on the ground lies farther along the light's direction than the point, so
    the frustum's depth range takes in the points projected onto y = 0 as well.
    """
    towards = towards / np.linalg.norm(towards)
    forward = -towards
    right = np.cross(forward, UP)
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    on_ground = points - np.outer(points[:, 1] / towards[1], towards)
    both = np.concatenate([points, on_ground])
    coords = both @ np.stack([right, up, forward]).T
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = high - low
    pad = np.maximum(span * 0.02, 1e-3 * max(float(span.max()), 1e-6))
    low, high = low - pad, high + pad
    extent = float(max(high[0] - low[0], high[1] - low[1]))
    centre = (low + high) / 2.0
    matrix = np.zeros((4, 4))
    matrix[0, :3] = 2.0 * right / extent
    matrix[1, :3] = 2.0 * up / extent
    matrix[2, :3] = 2.0 * forward / (high[2] - low[2])
    matrix[0, 3] = -2.0 * centre[0] / extent
    matrix[1, 3] = -2.0 * centre[1] / extent
    matrix[2, 3] = -2.0 * centre[2] / (high[2] - low[2])
    matrix[3, 3] = 1.0
    return Light(direction=towards, matrix=matrix, texel=extent / resolution)
