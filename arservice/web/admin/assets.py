"""The staff UI's own scripts and styles (``viewer/src/admin/``), served from our origin.

    /admin/static/<hash>/admin.css        the staff layout
    /admin/static/<hash>/api.js           fetch with the CSRF header; a 401 goes to the login
    /admin/static/<hash>/*.js             one small ES module per page

Unlike the resident's files (:mod:`arservice.web.static`, one hash per file), the folder has one
hash for all its files: the modules import each other by relative URL (``./api.js``), which then
resolves to the same hashed folder. The hash is the first 16 hex digits of the sha256 over every
file's name and bytes, so a release that changes any file gets new URLs and every file is cached
for a year (``immutable``). model-viewer itself is the resident pages' copy (its URL from
:func:`arservice.web.static.static_assets`). No build step: the files are served as written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, Request, Response
from starlette.requests import HTTPConnection

from arservice.errors import ErrorItem, NotFoundError
from arservice.web.errors import MSG_NOT_FOUND
from arservice.web.static import (
    HASH_CHARS,
    IMMUTABLE,
    MEDIA_TYPES,
    StaticFile,
    accepts_gzip,
    viewer_dir,
)

FOLDER = "src/admin"
PREFIX = "/admin/static"


@dataclass
class AdminAssets:
    """Every file of the folder by name, and the folder's URL (``/admin/static/<hash>/``)."""

    files: dict[str, StaticFile] = field(default_factory=dict)
    digest: str = ""

    @classmethod
    def load(cls, root: Path | None = None) -> AdminAssets:
        folder = (root or viewer_dir()) / FOLDER
        paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in MEDIA_TYPES)
        digest = hashlib.sha256()
        for path in paths:
            digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
        return cls(
            files={path.name: StaticFile(path, MEDIA_TYPES[path.suffix]) for path in paths},
            digest=digest.hexdigest()[:HASH_CHARS],
        )

    def url(self, name: str) -> str:
        """``api.js`` -> ``/admin/static/<hash>/api.js``; KeyError for a file that is not
        there, so a typo in a template fails its page (and its test) at once."""
        if name not in self.files:
            raise KeyError(f"no staff UI file {name!r} in viewer/{FOLDER}")
        return f"{PREFIX}/{self.digest}/{name}"


def admin_assets(connection: HTTPConnection) -> AdminAssets:
    """The app's staff files, read on first use (``app.state.admin_assets``)."""
    state = connection.app.state
    found = getattr(state, "admin_assets", None)
    if found is None:
        found = state.admin_assets = AdminAssets.load()
    assert isinstance(found, AdminAssets)
    return found


router = APIRouter(include_in_schema=False)


@router.get(PREFIX + "/{digest}/{name}")
def get_admin_file(digest: str, name: str, request: Request) -> Response:
    """One staff UI file by its folder hash and name; 404 for anything else (a stale hash too).
    Public like the resident's files: they hold code and words, no data."""
    assets = admin_assets(request)
    found = assets.files.get(name)
    if found is None or digest != assets.digest:
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
