"""Artifacts: ``/a/{sha256}.glb|usdz|png``, immutable files named by what they were built from.

Each is served with a strong ETag (the hash), ``Cache-Control: public, max-age=31536000,
immutable``, ``X-Content-Type-Options: nosniff`` and ``Access-Control-Allow-Origin: *`` (a
viewer on another origin may fetch it); ``If-None-Match`` answers 304, HEAD answers the headers
alone. A whole artifact is read and sent at once; a byte-range request to a store that keeps
files (the local directory) is streamed from the file (a malformed Range is ignored, one
starting past the end answers 416).
"""

from __future__ import annotations

import re

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from arservice.errors import ErrorItem, NotFoundError
from arservice.services.artifacts import artifact_key
from arservice.settings import Settings
from arservice.web.context import AppContext, ContextDep
from arservice.web.errors import (
    ERROR_RESPONSES,
    MSG_NOT_FOUND,
    RangeNotSatisfiableError,
    documented,
)

router = APIRouter(tags=["artifacts"], responses=ERROR_RESPONSES)

SHA256_RE = re.compile(r"[0-9a-f]{64}")
MEDIA_TYPES = {"glb": "model/gltf-binary", "usdz": "model/vnd.usdz+zip", "png": "image/png"}
IMMUTABLE = "public, max-age=31536000, immutable"
ARTIFACT_HEADERS = {
    "Cache-Control": IMMUTABLE,
    "X-Content-Type-Options": "nosniff",
    "Access-Control-Allow-Origin": "*",
}
RANGE_SPEC = re.compile(r"\s*(?:(\d{1,18})-(\d{0,18})|-(\d{1,18}))\s*")
"""One byte range: ``first-last``, ``first-`` or ``-suffix`` (RFC 9110, section 14.1.2)."""


def artifact_url(settings: Settings, sha256: str, ext: str) -> str:
    """Where clients fetch an artifact: this service's ``/a/…``, or the configured public base."""
    base = settings.public_artifact_base_url
    return f"{base}/{sha256}.{ext}" if base else f"/a/{sha256}.{ext}"


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, as RFC 9110 says for
    this header) or is ``*``."""
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def range_usable(header: str | None, size: int) -> bool:
    """Whether a file response may honour this Range header: a well-formed ``bytes=`` range set
    (anything else is ignored, as RFC 9110 asks, and the whole file is sent). Raises
    RangeNotSatisfiableError when a range starts past the end."""
    unit, equals, specs = (header or "").partition("=")
    if unit.strip().lower() != "bytes" or not equals:
        return False
    for spec in specs.split(","):
        match = RANGE_SPEC.fullmatch(spec)
        if match is None:
            return False
        first, last, suffix = match.groups()
        if suffix is not None:
            start = size - int(suffix)
        elif last and int(last) < int(first):
            return False
        else:
            start = int(first)
        if start >= size:
            raise RangeNotSatisfiableError(size)
    return True


def _find(context: AppContext, sha256: str, ext: str) -> tuple[str, str, int]:
    """The artifact's media type, blob key and size; NotFoundError when there is none."""
    media_type = MEDIA_TYPES.get(ext)
    if media_type is not None and SHA256_RE.fullmatch(sha256):
        size = context.blobs.size(artifact_key(sha256, ext))
        if size is not None:
            return media_type, artifact_key(sha256, ext), size
    raise NotFoundError([ErrorItem("", MSG_NOT_FOUND)])


RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {media: {} for media in MEDIA_TYPES.values()}},
    206: {"description": "Partial content: the byte ranges asked for (a store that keeps files)"},
    304: {"description": "Not modified: the client's copy (If-None-Match) is current"},
    404: documented("No such artifact (or not a sha256 and a known extension)."),
    416: documented("Range not satisfiable: a range starts past the end."),
}


@router.get("/a/{sha256}.{ext}", response_class=Response, responses=RESPONSES)
@router.head("/a/{sha256}.{ext}", response_class=Response, responses=RESPONSES)
async def get_artifact(sha256: str, ext: str, request: Request, context: ContextDep) -> Response:
    """An artifact by its hash: ``.glb`` (glTF binary), ``.usdz`` (AR Quick Look), ``.png``.

    Runs on the event loop, no worker thread: the whole file (at most a few MB, from the page
    cache) is read at once, which served 2.5 times the requests of a threaded FileResponse at 16
    connections (docs/benchmarks.md); only a byte-range request streams the file. From an object
    store (``blobs.remote``) the reads run in a worker thread: a slow store must not stall the
    process."""
    if context.blobs.remote:
        return await anyio.to_thread.run_sync(_answer, sha256, ext, request, context)
    return _answer(sha256, ext, request, context)


def _answer(sha256: str, ext: str, request: Request, context: AppContext) -> Response:
    media_type, key, size = _find(context, sha256, ext)
    headers = {**ARTIFACT_HEADERS, "ETag": f'"{sha256}"'}
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        return Response(media_type=media_type, headers={**headers, "Content-Length": str(size)})
    path = context.blobs.local_path(key)
    asked_range = request.headers.get("range")
    if path is not None and asked_range is not None and range_usable(asked_range, size):
        return FileResponse(path, media_type=media_type, headers=headers)
    return Response(context.blobs.get(key), media_type=media_type, headers=headers)
