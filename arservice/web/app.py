"""The app factory: ``create_app(settings)`` makes a complete app, nothing is made at import.

    uvicorn --factory arservice.web.app:app_factory    # settings from ARSERVICE_* variables
    app = create_app(Settings(data_dir=tmp_path))      # a test: its own data, its own metrics

Middleware, outermost first: metrics (counts every answer, errors included), the upload limit
(413 before a large body is read), the catch-all that turns an unexpected exception into a
logged 500 in the error shape, then FastAPI's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

from arservice import __version__
from arservice.services.artifacts import ArtifactBuilder
from arservice.services.demo import seed_demo_ideas
from arservice.services.scans import flush_periodically
from arservice.services.templates import sync_builtin_templates
from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore
from arservice.store.db import lock_startup, make_engine, migrate, ping, session_factory
from arservice.web import pages, static
from arservice.web.context import AppContext, ReadinessCheck
from arservice.web.errors import install_error_handlers
from arservice.web.limits import BodyLimitMiddleware
from arservice.web.metrics import Metrics, MetricsMiddleware
from arservice.web.privacy import hide_client_addresses
from arservice.web.routes import (
    admin,
    apidocs,
    artifacts,
    auth,
    campaigns,
    ideas,
    imports,
    ops,
    shortlinks,
    stats,
    templates,
    users,
)

logger = logging.getLogger(__name__)

DESCRIPTION = (
    "Participatory-budgeting winners as real-scale 3D models in AR. Every error answers "
    '`{"error": {"code", "message", "items": [{"loc", "message"}]}}` in the language of '
    "`?lang=` (fi, sv, en), else Accept-Language, else the default."
)


def create_app(settings: Settings, *, blobs: BlobStore | None = None) -> FastAPI:
    """The web app on ``settings``; ``blobs`` defaults to the settings' store (the S3 bucket when
    one is set, else ``<data_dir>/blobs`` on disk).

    The database is created or migrated to the newest schema here, and the built-in templates
    (and, on a new database, the demo ideas) are stored, so the app is ready when this returns.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = blobs if blobs is not None else settings.blob_store()
    engine = make_engine(settings.database_url)
    migrate(engine)
    context = AppContext(
        settings=settings,
        blobs=store,
        artifacts=ArtifactBuilder(),
        metrics=Metrics(),
        secret_key=settings.resolved_secret_key(),
        engine=engine,
        sessions=session_factory(engine, write=True),
        readers=session_factory(engine),
    )
    with context.transaction() as session:
        lock_startup(session)  # replicas starting together store the built-ins once
        sync_builtin_templates(session)
        if settings.demo_ideas:
            seed_demo_ideas(session, store, context.artifacts)
        if not repo.list_users(session):
            logger.warning(
                "no staff account yet: create the first admin with "
                "`arservice users create --email you@example.org --name 'Your Name' --role admin`"
            )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        hide_client_addresses()
        interval = settings.scan_flush_seconds
        flusher = asyncio.create_task(
            flush_periodically(context.scans, context.transaction, interval)
        )
        try:
            yield
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            await anyio.to_thread.run_sync(context.flush_scans)  # a normal stop loses no scan
            context.redirects.close()
            engine.dispose()

    app = FastAPI(
        title="arservice",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # our own /docs (routes/apidocs.py): FastAPI's takes Swagger UI from a CDN
        redoc_url=None,
    )
    app.state.context = context
    app.state.readiness_checks = [
        ReadinessCheck("database", lambda: ping(engine)),
        ReadinessCheck("blobs", store.ping),
    ]
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_upload_bytes,
        default_language=settings.default_language,
    )
    app.add_middleware(MetricsMiddleware, metrics=context.metrics)
    app.include_router(shortlinks.router)  # first: matched before ~100 API routes at each scan
    for router in (ops.router, artifacts.router, auth.router, users.router, templates.router):
        app.include_router(router)
    app.include_router(ideas.router)
    app.include_router(campaigns.router)
    app.include_router(stats.router)
    app.include_router(imports.router)
    app.include_router(admin.router)
    app.include_router(pages.router)
    app.include_router(static.router)
    app.include_router(apidocs.router)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory``: the app on settings from the environment.

    Everything made while starting (modules, the app, caches) is moved out of the garbage
    collector's sight (``gc.freeze``): otherwise full collections walk it again and again under
    load, pauses of 40–50 ms that were most of the serving benchmark's p99 (docs/benchmarks.md).
    """
    app = create_app(Settings())
    gc.collect()
    gc.freeze()
    return app
