"""The upload limit: no request body past ``max_upload_bytes`` is read.

A declared ``Content-Length`` past the limit is refused before the app runs; a body sent
without one (chunked) is counted as it arrives and refused the moment it passes the limit, so a
large upload never fills memory or disk. Either way the answer is 413 in the error shape.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arservice.i18n import translate
from arservice.web.errors import MSG_TOO_LARGE, BodyTooLargeException, error_response
from arservice.web.language import request_language


def human_size(size: int) -> str:
    """``10485760`` -> ``10 MB``; ``1536`` -> ``1.5 KB``."""
    value = float(size)
    for unit in ("bytes", "KB", "MB"):
        if value < 1024 or unit == "MB":
            text = f"{value:.1f}".removesuffix(".0")
            return f"{text} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, default_language: str) -> None:
        self.app = app
        self.limit = limit
        self.default_language = default_language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            lang = request_language(HTTPConnection(scope), self.default_language)
            message = translate(lang, MSG_TOO_LARGE, limit=human_size(self.limit))
            response = error_response(
                413, "payload_too_large", message, headers={"Connection": "close"}
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLargeException(human_size(self.limit))
            return message

        await self.app(scope, counting_receive, send)
