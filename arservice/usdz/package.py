"""Pack a USD layer and its textures into USDZ bytes: the one place this package touches files.

usd-core writes a ``.usdc`` layer and a ``.usdz`` package only to a file path, so
:func:`pack_usdz` works in a private :class:`tempfile.TemporaryDirectory`, reads the package back
and removes the directory on the way out, on success and on error alike. Nothing else is read or
written, and callers see bytes in, bytes out.

The package is what AR Quick Look requires (the usdz specification): a zip whose first entry is
the ``.usdc`` root layer, every entry stored uncompressed and its data aligned to 64 bytes, which
usd-core's own zip writer (``Sdf.ZipFileWriter``) guarantees. That writer stamps each entry with
the file's modification time in the local time zone; :func:`_clear_zip_times` then sets every
stamp to 1980-01-01 00:00 (the zip format's earliest), so the same stage always gives the same
bytes, whatever the clock or the time zone.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Mapping

from pxr import Sdf

ROOT_LAYER = "model.usdc"
"""The root layer's name inside the package (AR Quick Look wants a usdc first)."""

_LOCAL_HEADER = b"PK\x03\x04"
_CENTRAL_HEADER = b"PK\x01\x02"
_END_OF_DIRECTORY = b"PK\x05\x06"
_DOS_TIME = 0  # 00:00:00
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01


def pack_usdz(layer: Sdf.Layer, files: Mapping[str, bytes]) -> bytes:
    """The USDZ package of ``layer`` (as usdc) and ``files`` (archive path -> bytes), in order.

    ``files`` are the assets the layer names by those archive paths (``textures/0.png``).
    """
    with tempfile.TemporaryDirectory(prefix="arservice-usdz-") as directory:
        root = f"{directory}/{ROOT_LAYER}"
        if not layer.Export(root):
            raise RuntimeError("usd-core could not write the usdc layer")
        entries = [(root, ROOT_LAYER)]
        for number, (archive_path, data) in enumerate(files.items()):
            path = f"{directory}/asset-{number}"
            with open(path, "wb") as handle:
                handle.write(data)
            entries.append((path, archive_path))
        package = f"{directory}/model.usdz"
        writer = Sdf.ZipFileWriter.CreateNew(package)
        for path, archive_path in entries:
            if writer.AddFile(path, archive_path) != archive_path:
                writer.Discard()
                raise RuntimeError(f"usd-core could not add {archive_path} to the package")
        if not writer.Save():
            raise RuntimeError("usd-core could not write the usdz package")
        with open(package, "rb") as handle:
            data = handle.read()
    return _clear_zip_times(data)


def _clear_zip_times(data: bytes) -> bytes:
    """The zip with every entry's modification time and date set to 1980-01-01 00:00.

    Only the time and date fields of the local and central headers change; offsets, sizes and
    checksums stay, so alignment and content are untouched.
    """
    buffer = bytearray(data)
    end = len(buffer) - 22  # the end-of-directory record; usd-core writes no archive comment
    if end < 0 or buffer[end : end + 4] != _END_OF_DIRECTORY:
        raise RuntimeError("the usdz package has an unexpected zip layout")
    count, _, directory = struct.unpack_from("<HII", buffer, end + 10)
    position = directory
    for _ in range(count):
        if buffer[position : position + 4] != _CENTRAL_HEADER:
            raise RuntimeError("the usdz package has an unexpected zip layout")
        struct.pack_into("<HH", buffer, position + 12, _DOS_TIME, _DOS_DATE)
        lengths = struct.unpack_from("<HHH", buffer, position + 28)  # name, extra, comment
        (local,) = struct.unpack_from("<I", buffer, position + 42)
        if buffer[local : local + 4] != _LOCAL_HEADER:
            raise RuntimeError("the usdz package has an unexpected zip layout")
        struct.pack_into("<HH", buffer, local + 10, _DOS_TIME, _DOS_DATE)
        position += 46 + sum(lengths)
    return bytes(buffer)
