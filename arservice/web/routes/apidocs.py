"""``/docs``: the API's interactive documentation (Swagger UI), with every file from our origin.

FastAPI's own ``/docs`` loads Swagger UI from a CDN, a request to a third party from one of our
pages; this one serves the same page with the files of the ``swagger-ui-dist`` npm package
(installed with the viewer's packages) under ``/static/``. ReDoc is not offered.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from arservice.web.static import static_assets

router = APIRouter()


@router.get("/docs", include_in_schema=False)
def api_docs(request: Request) -> HTMLResponse:
    assets = static_assets(request)
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title="arservice API",
        swagger_js_url=assets.url("swagger-ui-bundle.js"),
        swagger_css_url=assets.url("swagger-ui.css"),
        swagger_favicon_url=assets.url("icon.svg"),
    )
