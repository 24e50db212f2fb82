"""Prometheus metrics of one app, in a registry of its own (never the process-wide default, so
two apps in one process, as in tests, count separately).

    arservice_http_requests_total{method, route, status}     requests answered
    arservice_http_request_duration_seconds{method, route}   time to the last byte (histogram)
    arservice_artifact_builds_total{kind}                    artifacts built
    arservice_artifact_cache_hits_total{kind}                artifacts asked for and already built

``route`` is the route's template (``/a/{sha256}.{ext}``), never the raw path, so the number of
series stays bounded; a request that matches no route counts as ``route="unmatched"``.
"""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds; artifact hits take milliseconds, a cold build up to seconds."""
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods counted by name; any other counts as ``OTHER`` (a client cannot add series)."""


class Metrics:
    """The app's registry and the metrics in it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "arservice_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "arservice_http_request_duration_seconds",
            "Time from a request's arrival to its response's last byte, by route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.artifact_builds = Counter(
            "arservice_artifact_builds",
            "Artifacts built (the first request for new inputs).",
            ["kind"],
            registry=self.registry,
        )
        self.artifact_cache_hits = Counter(
            "arservice_artifact_cache_hits",
            "Artifact requests answered by one built before.",
            ["kind"],
            registry=self.registry,
        )

    def count_artifact(self, kind: str, *, built: bool) -> None:
        (self.artifact_builds if built else self.artifact_cache_hits).labels(kind=kind).inc()

    def exposition(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template and status."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # unless a response starts: an exception escaped
        started = time.perf_counter()

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            self.metrics.requests.labels(method=method, route=route, status=str(status)).inc()
            elapsed = time.perf_counter() - started
            self.metrics.latency.labels(method=method, route=route).observe(elapsed)
