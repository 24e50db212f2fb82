"""Operations: ``/healthz`` (the process answers), ``/readyz`` (what it needs is reachable),
``/metrics`` (Prometheus). None of them is cached."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from arservice.errors import ErrorItem
from arservice.i18n import N_
from arservice.web.context import ContextDep, readiness_checks
from arservice.web.errors import ERROR_RESPONSES, NotReadyError, documented

logger = logging.getLogger(__name__)
router = APIRouter(tags=["operations"], responses=ERROR_RESPONSES)

NO_STORE = {"Cache-Control": "no-store"}
MSG_UNREACHABLE = N_("unreachable")


@router.get("/healthz")
async def healthz(response: Response) -> dict[str, str]:
    """The process is up and answering; checks nothing else (and needs no worker thread)."""
    response.headers.update(NO_STORE)
    return {"status": "ok"}


@router.get("/readyz", responses={503: documented("A readiness check failed; items name it.")})
def readyz(request: Request, response: Response) -> dict[str, object]:
    """Every readiness check passes (the blob store; the database once it is wired in)."""
    response.headers.update(NO_STORE)
    failed = []
    for check in readiness_checks(request.app):
        try:
            check()
        except Exception:
            logger.exception("readiness check '%s' failed", check.name)
            failed.append(ErrorItem(check.name, MSG_UNREACHABLE))
    if failed:
        raise NotReadyError(failed)
    return {"status": "ok", "checks": {check.name: "ok" for check in readiness_checks(request.app)}}


@router.get("/metrics", response_class=Response)
def metrics(context: ContextDep) -> Response:
    """Request counts and latencies by route, artifact builds and cache hits (Prometheus)."""
    body, content_type = context.metrics.exposition()
    return Response(body, media_type=content_type, headers=NO_STORE)
