"""The browser files of the public pages, served from our own origin under content-hashed names.

    /static/<hash>/viewer.js                  our script (viewer/src)
    /static/<hash>/viewer.css                 our styles
    /static/<hash>/icon.svg                   the page icon
    /static/<hash>/no-lottie.js               what model-viewer gets for Lottie textures (none)
    /static/<hash>/model-viewer.min.js        @google/model-viewer's one-file bundle
    /static/<hash>/swagger-ui-bundle.js       Swagger UI for the API's /docs page (and its
    /static/<hash>/swagger-ui.css             styles), which FastAPI would take from a CDN
    /static/<hash>/draco/draco_decoder.wasm   decoders model-viewer would otherwise take from a
    /static/<hash>/basis/basis_transcoder.js  Google CDN (a compressed GLB; ours never are)

``<hash>`` is the first 16 hex digits of the sha256 of the file (of all its files, for a
folder), so a name never changes its bytes: every file is sent with ``Cache-Control: public,
max-age=31536000, immutable``, and a new release gets new names. A name with a stale hash is 404.
Text files (scripts, styles, SVG) are sent gzip-compressed to a client that accepts it.

The files come from the ``viewer/`` folder: ``viewer/src`` and the npm packages that
``npm ci --prefix viewer`` installs in ``viewer/node_modules``. An installed package looks for
the same layout in ``arservice/_viewer`` first (the wheel's force-include), then in the
checkout's ``viewer/``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from fastapi import APIRouter, Request, Response
from starlette.requests import HTTPConnection

from arservice.errors import ErrorItem, NotFoundError
from arservice.web.errors import MSG_NOT_FOUND

logger = logging.getLogger(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"
HASH_CHARS = 16
_PACKAGE = Path(__file__).resolve().parents[1]
MODEL_VIEWER = "node_modules/@google/model-viewer/dist/model-viewer.min.js"
THREE_LIBS = "node_modules/three/examples/jsm/libs"

FILES: Mapping[str, str] = {
    "viewer.js": "src/viewer.js",
    "viewer.css": "src/viewer.css",
    "icon.svg": "src/icon.svg",
    "no-lottie.js": "src/no-lottie.js",
    "model-viewer.min.js": MODEL_VIEWER,
    "swagger-ui-bundle.js": "node_modules/swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "node_modules/swagger-ui-dist/swagger-ui.css",
}
"""Served name -> path under the viewer folder."""
FOLDERS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "draco": (
        f"{THREE_LIBS}/draco/gltf",
        ("draco_decoder.js", "draco_decoder.wasm", "draco_wasm_wrapper.js"),
    ),
    "basis": (f"{THREE_LIBS}/basis", ("basis_transcoder.js", "basis_transcoder.wasm")),
}
"""Served folder -> (path under the viewer folder, its files): a decoder location names the
folder, and the decoder picks its files in it."""
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
}
COMPRESSIBLE = frozenset({".js", ".css", ".svg"})


class ViewerFilesMissingError(FileNotFoundError):
    """The viewer's npm packages are not installed."""


def viewer_dir() -> Path:
    """The folder holding ``src/`` and ``node_modules/`` of the viewer (see the module text)."""
    for candidate in (_PACKAGE / "_viewer", _PACKAGE.parent / "viewer"):
        if (candidate / MODEL_VIEWER).is_file():
            return candidate
    raise ViewerFilesMissingError(
        "the viewer's files are missing: run `npm ci --prefix viewer` (make setup does)"
    )


@dataclass(frozen=True)
class StaticFile:
    path: Path
    media_type: str

    @cached_property
    def data(self) -> bytes:
        return self.path.read_bytes()

    @cached_property
    def gzipped(self) -> bytes | None:
        """The gzip body (made once, the same bytes every time), or None for binary files."""
        if self.path.suffix not in COMPRESSIBLE:
            return None
        return gzip.compress(self.data, compresslevel=9, mtime=0)


def inline_style_hashes(bundle: str) -> tuple[str, ...] | None:
    """The CSP hash of the one ``<style>`` element model-viewer writes into its shadow root
    (``'sha256-…'``, as the browser computes it over the element's text), or None when the
    bundle does not have exactly one plain one (a model-viewer this code does not know)."""
    found = re.findall(r"<style>(.*?)</style>", bundle, flags=re.DOTALL)
    if len(found) != 1 or "\\" in found[0] or "${" in found[0]:
        return None
    digest = base64.b64encode(hashlib.sha256(found[0].encode("utf-8")).digest()).decode()
    return (f"'sha256-{digest}'",)


@dataclass
class StaticAssets:
    """Every served file by ``<hash>/<name>``, each logical name's URL, and the hashes of the
    inline styles model-viewer makes (None: unknown, so the CSP must allow inline styles)."""

    files: dict[str, StaticFile] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    style_hashes: tuple[str, ...] | None = None

    @classmethod
    def load(cls, root: Path | None = None) -> StaticAssets:
        root = root or viewer_dir()
        assets = cls()
        for name, relative in FILES.items():
            assets._add(name, {name: root / relative})
        for folder, (relative, names) in FOLDERS.items():
            paths = {f"{folder}/{name}": root / relative / name for name in names}
            assets._add(f"{folder}/", paths)
        bundle = (root / MODEL_VIEWER).read_text(encoding="utf-8")
        assets.style_hashes = inline_style_hashes(bundle)
        if assets.style_hashes is None:
            logger.warning("model-viewer's inline style is not known: the CSP allows inline styles")
        return assets

    def _add(self, logical: str, paths: Mapping[str, Path]) -> None:
        digest = hashlib.sha256()
        for name, path in sorted(paths.items()):
            digest.update(name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
        short = digest.hexdigest()[:HASH_CHARS]
        for name, path in paths.items():
            self.files[f"{short}/{name}"] = StaticFile(path, MEDIA_TYPES[path.suffix])
        self.urls[logical] = f"/static/{short}/{logical}"

    def url(self, name: str) -> str:
        """``viewer.js`` -> ``/static/<hash>/viewer.js``; ``draco/`` -> its folder's URL."""
        return self.urls[name]


def static_assets(connection: HTTPConnection) -> StaticAssets:
    """The app's assets (``app.state.static_assets``), read on first use: an installation that
    serves only the API never needs them."""
    state = connection.app.state
    found = getattr(state, "static_assets", None)
    if found is None:
        found = state.static_assets = StaticAssets.load()
    assert isinstance(found, StaticAssets)
    return found


router = APIRouter(include_in_schema=False)


@router.get("/static/{digest}/{name:path}")
def get_static(digest: str, name: str, request: Request) -> Response:
    """One viewer file by its hashed name; 404 for any other name."""
    found = static_assets(request).files.get(f"{digest}/{name}")
    if found is None:
        raise NotFoundError([ErrorItem("", MSG_NOT_FOUND)])
    headers = {
        "Cache-Control": IMMUTABLE,
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Vary": "Accept-Encoding",
    }
    body = found.data
    if found.gzipped is not None and accepts_gzip(request):
        body = found.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=found.media_type, headers=headers)


def accepts_gzip(request: Request) -> bool:
    for entry in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = entry.partition(";")
        if coding.strip().lower() in {"gzip", "*"} and params.replace(" ", "") not in {
            "q=0",
            "q=0.0",
        }:
            return True
    return False
