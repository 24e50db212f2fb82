"""Pictures given to the printables (a city logo, a preview render): checked, then flattened.

An image is refused, with a clear error at its place, when it is not a PNG or JPEG, when its
file is larger than the limit, or when it is too small or too large on a side; the size is read
from the file's header before any pixel is decoded, so a small file that claims a huge picture
costs nothing.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from arservice.errors import InputError
from arservice.i18n import N_

IMAGE_FORMATS = ("PNG", "JPEG")

MSG_NOT_IMAGE = N_("the image must be a PNG or JPEG file")
MSG_BYTES = N_("the image may be at most {max} bytes; it is {size}")
MSG_HUGE = N_("the image may be at most {max} pixels on each side")
MSG_PIXELS = N_("the image must be {min} to {max} pixels on each side; it is {width} x {height}")


def load_image(
    data: bytes, loc: str, *, max_bytes: int, min_side: int, max_side: int
) -> Image.Image:
    """``data`` decoded and flattened onto white (RGB); InputError at ``loc`` when refused."""
    if not isinstance(data, bytes | bytearray):
        raise InputError.single(loc, MSG_NOT_IMAGE)
    if len(data) > max_bytes:
        raise InputError.single(loc, MSG_BYTES, max=max_bytes, size=len(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked below
            image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except Image.DecompressionBombError:
        raise InputError.single(loc, MSG_HUGE, max=max_side) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InputError.single(loc, MSG_NOT_IMAGE) from None
    width, height = image.size
    if not all(min_side <= side <= max_side for side in (width, height)):
        raise InputError.single(
            loc, MSG_PIXELS, min=min_side, max=max_side, width=width, height=height
        )
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise InputError.single(loc, MSG_NOT_IMAGE) from None
    return flatten(image)


def flatten(image: Image.Image) -> Image.Image:
    """``image`` as RGB, any transparency composed onto white."""
    if image.mode == "RGB":
        return image
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat
