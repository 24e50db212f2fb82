"""``Scene -> PNG bytes``: the preview image, rendered on the server with no GPU and no display.

The engine is OpenGL 3.3 on Mesa's llvmpipe (a software rasterizer) through a headless EGL
context, driven by moderngl; see :mod:`arservice.render.engine` for the passes and the Debian
packages it needs.
"""

from arservice.render.engine import SYSTEM_PACKAGES, RendererUnavailableError
from arservice.render.preview import DEFAULT_BACKGROUND, render_image, render_preview

__all__ = [
    "DEFAULT_BACKGROUND",
    "SYSTEM_PACKAGES",
    "RendererUnavailableError",
    "render_image",
    "render_preview",
]
