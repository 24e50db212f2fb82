"""The app factory: ``create_app(settings)`` makes a complete app, nothing is made at import.

    uvicorn --factory arservice.web.app:app_factory    # settings from ARSERVICE_* variables
    app = create_app(Settings(data_dir=tmp_path))      # a test: its own data, its own metrics

Middleware, outermost first: metrics (counts every answer, errors included), the catch-all
that turns an unexpected exception into a logged 500 in the error shape, then FastAPI's own.
"""

from __future__ import annotations

from fastapi import FastAPI

from arservice import __version__
from arservice.services.artifacts import ArtifactBuilder
from arservice.settings import Settings
from arservice.store.blobs import BlobStore, LocalBlobStore
from arservice.web.context import AppContext, ReadinessCheck
from arservice.web.errors import install_error_handlers
from arservice.web.metrics import Metrics, MetricsMiddleware
from arservice.web.routes import artifacts, ops, templates

DESCRIPTION = (
    "Participatory-budgeting winners as real-scale 3D models in AR. Every error answers "
    '`{"error": {"code", "message", "items": [{"loc", "message"}]}}` in the language of '
    "`?lang=` (fi, sv, en), else Accept-Language, else the default."
)


def create_app(settings: Settings, *, blobs: BlobStore | None = None) -> FastAPI:
    """The web app on ``settings``; ``blobs`` defaults to ``<data_dir>/blobs`` on disk."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = blobs if blobs is not None else LocalBlobStore(settings.data_dir / "blobs")
    context = AppContext(
        settings=settings,
        blobs=store,
        artifacts=ArtifactBuilder(),
        metrics=Metrics(),
        secret_key=settings.resolved_secret_key(),
    )
    app = FastAPI(title="arservice", version=__version__, description=DESCRIPTION)
    app.state.context = context
    app.state.readiness_checks = [ReadinessCheck("blobs", store.ping)]
    install_error_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=context.metrics)
    for router in (ops.router, artifacts.router, templates.router):
        app.include_router(router)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory``: the app on settings from the environment."""
    return create_app(Settings())
