"""A polite GraphQL client: one POST per query, a rate limit, retries with backoff, and a
:class:`~arservice.pb.errors.SourceError` for every way an answer can be wrong.

    client = GraphQLClient(httpx.Client(timeout=20), "https://omastadi.hel.fi/api")
    data = client.query("query { decidim { version } }")

Politeness
    Decidim limits its API to 100 requests a minute by default (Rack::Attack); the client never
    sends more than ``Politeness.requests_per_minute`` in any 60 seconds, waiting when it would.
    A 429, a 5xx or a timeout is tried again after 1, 2, 4, … seconds (a 429's Retry-After is
    honoured, up to a minute), ``attempts`` times in all; then the client gives up with a clear
    message. Nothing else is retried: a 404 or an answer that is not JSON will not get better.

The clock and the sleep are injected, so tests run the whole schedule without waiting; the
HTTP client is the caller's (its timeout, its transport), so tests can point it anywhere.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from arservice.errors import ErrorItem
from arservice.pb.errors import (
    MSG_GAVE_UP,
    MSG_GRAPHQL,
    MSG_HTTP_STATUS,
    MSG_NOT_GRAPHQL,
    MSG_NOT_JSON,
    MSG_REDIRECT,
    MSG_TOO_LARGE,
    MSG_UNREACHABLE,
    SourceError,
)

MAX_ANSWER_BYTES = 32 * 1024 * 1024
"""An answer larger than this is refused: Decidim's biggest budget is a few megabytes."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Politeness:
    """How hard the client may press a site: the rate limit and the retry schedule."""

    requests_per_minute: int = 100
    attempts: int = 5
    first_backoff: float = 1.0
    max_backoff: float = 60.0


@dataclass
class RateLimiter:
    """At most ``limit`` calls in any ``window`` seconds: :meth:`wait` sleeps until one is due."""

    limit: int
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    sent: deque[float] = field(default_factory=deque)

    def wait(self) -> None:
        now = self.clock()
        while self.sent and now - self.sent[0] >= self.window:
            self.sent.popleft()
        if len(self.sent) >= self.limit:
            self.sleep(self.window - (now - self.sent[0]))
            now = self.clock()
            self.sent.popleft()
        self.sent.append(now)


class GraphQLClient:
    """Queries one GraphQL endpoint through the caller's ``http`` client (see the module)."""

    def __init__(
        self,
        http: httpx.Client,
        endpoint: str,
        *,
        politeness: Politeness | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = http
        self.endpoint = endpoint
        self.politeness = politeness or Politeness()
        self.sleep = sleep
        self.limiter = RateLimiter(self.politeness.requests_per_minute, clock=clock, sleep=sleep)
        self.requests = 0
        """How many HTTP requests were sent (retries included): for progress and tests."""

    def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of the answer; SourceError when there is none, or there are errors."""
        answer = self._post({"query": query, "variables": variables or {}})
        errors = answer.get("errors")
        if errors:
            raise SourceError(
                [ErrorItem("", MSG_GRAPHQL, {"message": _error_text(error)}) for error in errors]
            )
        data = answer.get("data")
        if not isinstance(data, dict):
            raise SourceError.single("", MSG_NOT_GRAPHQL, url=self.endpoint)
        return data

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        what = ""
        delay = self.politeness.first_backoff
        for attempt in range(1, self.politeness.attempts + 1):
            self.limiter.wait()
            self.requests += 1
            try:
                status, headers, content = self._send(body)
            except httpx.TimeoutException:
                what = "no answer in time"
                wait = delay
            else:
                if status not in RETRY_STATUSES:
                    return self._decode(status, headers, content)
                what = f"HTTP {status}"
                asked = _retry_after(headers) if status == 429 else None
                wait = delay if asked is None else asked
            if attempt < self.politeness.attempts:
                self.sleep(min(wait, self.politeness.max_backoff))
                delay = min(delay * 2, self.politeness.max_backoff)
        raise SourceError.single(
            "", MSG_GAVE_UP, url=self.endpoint, what=what, attempts=self.politeness.attempts
        )

    def _send(self, body: dict[str, Any]) -> tuple[int, httpx.Headers, bytes]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        try:
            with self.http.stream("POST", self.endpoint, json=body, headers=headers) as response:
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_ANSWER_BYTES:
                        raise SourceError.single(
                            "", MSG_TOO_LARGE, url=self.endpoint, limit=MAX_ANSWER_BYTES >> 20
                        )
                    chunks.append(chunk)
                return response.status_code, response.headers, b"".join(chunks)
        except httpx.TimeoutException:
            raise
        except httpx.HTTPError as exc:  # DNS, refused connection, TLS, broken stream
            reason = str(exc) or type(exc).__name__
            raise SourceError.single(
                "", MSG_UNREACHABLE, url=self.endpoint, reason=reason
            ) from None

    def _decode(self, status: int, headers: httpx.Headers, content: bytes) -> dict[str, Any]:
        if 300 <= status < 400:
            location = headers.get("location", "?")
            raise SourceError.single("", MSG_REDIRECT, url=self.endpoint, location=location)
        try:
            answer = json.loads(content)
        except (UnicodeDecodeError, ValueError):
            if status >= 400:
                raise SourceError.single(
                    "", MSG_HTTP_STATUS, url=self.endpoint, status=status
                ) from None
            raise SourceError.single("", MSG_NOT_JSON, url=self.endpoint) from None
        if not isinstance(answer, dict) or not ({"data", "errors"} & set(answer)):
            if status >= 400:
                raise SourceError.single("", MSG_HTTP_STATUS, url=self.endpoint, status=status)
            raise SourceError.single("", MSG_NOT_GRAPHQL, url=self.endpoint)
        return answer


def _retry_after(headers: httpx.Headers) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare on APIs and treated as absent)."""
    try:
        return max(0.0, float(headers.get("retry-after", "")))
    except ValueError:
        return None


def _error_text(error: Any) -> str:
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])[:500]
    return str(error)[:500]
