"""Templates for staff: every stored template (the built-in ones included) with its parameters
and versions, a preview model built from any values, and uploads of new templates and versions.

Every endpoint needs a staff login or an API token (a preview builds whatever values it is
given, so it is not public); an upload needs the planner role (or admin).

``GET /api/v1/templates/{id}/model.glb?version=2&stations=5&bench=false`` checks the values
against that version's parameters, builds the model once (or finds it built) and answers 303
See Other to its immutable artifact URL. ``version`` (default: the newest) and ``lang`` (the
language of error messages) are not parameters; a template cannot name a parameter so.

``POST /api/v1/templates`` takes ``multipart/form-data``: ``source`` (the YAML or JSON file,
UTF-8, at most 256 KB) and any number of ``assets`` (the component GLBs, each at most 10 MB;
the whole request is capped by the upload limit). File names are the client's: they are
checked as plain names and never used as paths.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from arservice.errors import ErrorItem, InputError, ParameterError
from arservice.i18n import N_
from arservice.parametric import resolve_params
from arservice.parametric.limits import TEMPLATE_BYTES
from arservice.parametric.schema import ParamSchema
from arservice.services import templates as stored
from arservice.services.uploads import COMPONENT_MAX_BYTES
from arservice.store.builtin import material_library
from arservice.web.auth import PlannerDep, Principal, StaffDep
from arservice.web.context import AppContext, ContextDep
from arservice.web.errors import ERROR_RESPONSES, documented
from arservice.web.routes.artifacts import artifact_url

router = APIRouter(prefix="/api/v1/templates", tags=["templates"], responses=ERROR_RESPONSES)

MSG_REPEATED = N_("is given more than once")
MSG_SOURCE_MISSING = N_(
    "the template file is missing: send it as the form field 'source' (multipart/form-data)"
)
MSG_NOT_A_FILE = N_("must be a file (in curl: -F 'assets=@bench.glb')")
MSG_UNKNOWN_FIELD = N_("unknown form field '{name}'; the fields are 'source' and 'assets'")
NOT_PARAMETERS = frozenset(stored.RESERVED_PARAMS)
"""Query keys of the build endpoint that are not template parameters."""
PINNED_CACHE = "private, max-age=300"
"""A redirect for a named version may be kept briefly (by the staff member's own browser: it
answers an authenticated request): the same values lead to the same artifact until the service
is upgraded (a new generator version names new artifacts)."""
NEWEST_CACHE = "private, no-cache"
"""A redirect for the newest version changes when a planner uploads one: always ask again."""
MAX_FILES = 100
"""The most files one upload takes (a template and its components)."""

VersionQuery = Annotated[
    int | None,
    Query(ge=1, le=stored.MAX_VERSION, description="A version number; default: the newest."),
]
VersionPath = Annotated[int, Path(ge=1, le=stored.MAX_VERSION)]

VALUES_PARAMETER = {
    "name": "values",
    "in": "query",
    "description": "Parameter values by name, as text (stations=5&bench=false); "
    "a parameter left out takes its default. lang=fi|sv|en picks the language of errors.",
    "schema": {"type": "object", "additionalProperties": {"type": "string"}},
    "style": "form",
    "explode": True,
}
"""The build endpoint's query, documented (FastAPI cannot declare a free set of names)."""

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["source"],
                    "properties": {
                        "source": {
                            "type": "string",
                            "format": "binary",
                            "description": f"The template, YAML or JSON, UTF-8, at most "
                            f"{TEMPLATE_BYTES // 1024} KB.",
                        },
                        "assets": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "Component GLBs, named as the template's parts name "
                            f"them, each at most {COMPONENT_MAX_BYTES // 1024 // 1024} MB. A "
                            "file the previous version had and this one still uses may be left "
                            "out: it is carried over.",
                        },
                    },
                }
            }
        },
    }
}

Number = int | float


class ParamPublic(BaseModel):
    """One parameter, as a form needs it: ``step`` is a hint, ``min``..``max`` a rule."""

    type: str
    default: bool | int | float | str
    min: Number | None = None
    max: Number | None = None
    step: Number | None = None
    options: list[str] | None = None
    option_labels: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Per option, per language: how a planner reads it."
    )
    label: dict[str, str] = Field(default_factory=dict)
    help: dict[str, str] = Field(default_factory=dict)
    group: str | None = None


class TemplatePublic(BaseModel):
    id: str
    version: int
    title: dict[str, str] = Field(description="Per language: fi, sv, en.")
    description: dict[str, str] = Field(description="Per language, with {name} placeholders.")
    groups: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Per parameter group, per language: its heading."
    )
    params: dict[str, ParamPublic]
    model_url: str = Field(
        description="This version's model at default values; add &name=value to vary."
    )
    builtin: bool = Field(description="Shipped with arservice (it may have planners' versions).")
    versions: list[int] = Field(description="Every stored version of the template, oldest first.")
    assets: list[str] = Field(description="This version's component GLB file names.")


class TemplateList(BaseModel):
    templates: list[TemplatePublic]


class TemplateUploaded(TemplatePublic):
    new_template: bool = Field(description="True when this upload created the template.")
    carried_over: list[str] = Field(
        description="Component files not uploaded, taken unchanged from the previous version."
    )


class VersionPublic(BaseModel):
    version: int
    author_id: int | None = Field(description="Who uploaded it; null: shipped with arservice.")
    created_at: str = Field(description="ISO 8601, UTC.")
    assets: list[str]
    source_url: str


class VersionList(BaseModel):
    id: str
    versions: list[VersionPublic]


def _param_public(param: ParamSchema) -> ParamPublic:
    return ParamPublic.model_validate(param.model_dump(exclude_none=True))


def template_public(info: stored.TemplateInfo) -> TemplatePublic:
    template = info.template
    schema = template.schema
    return TemplatePublic(
        id=template.id,
        version=template.version,
        title=dict(schema.title),
        description=dict(schema.description or {}),
        groups={name: dict(texts) for name, texts in schema.groups.items()},
        params={name: _param_public(param) for name, param in schema.params.items()},
        model_url=f"{router.prefix}/{template.id}/model.glb?version={template.version}",
        builtin=info.builtin,
        versions=list(info.versions),
        assets=list(info.asset_names),
    )


def query_values(request: Request) -> dict[str, str]:
    """The query's parameter values as text; a parameter given twice is an error."""
    values: dict[str, str] = {}
    repeated: set[str] = set()
    for key, value in request.query_params.multi_items():
        if key in NOT_PARAMETERS:
            continue
        if key in values:
            repeated.add(key)
        values[key] = value
    if repeated:
        raise ParameterError([ErrorItem(key, MSG_REPEATED) for key in sorted(repeated)])
    return values


@router.get("")
def list_templates(principal: StaffDep, context: ContextDep) -> TemplateList:
    """Every template, at its newest version, with its parameters."""
    with context.reading() as session:
        infos = stored.list_template_infos(session)
    return TemplateList(templates=[template_public(info) for info in infos])


@router.get("/{template_id}", responses={404: documented("No such template or version.")})
def get_template(
    template_id: str, principal: StaffDep, context: ContextDep, version: VersionQuery = None
) -> TemplatePublic:
    """One template (the newest version, or ``version``) with its parameters for a form."""
    with context.reading() as session:
        return template_public(stored.template_info(session, template_id, version))


@router.get("/{template_id}/versions", responses={404: documented("No such template.")})
def list_versions(template_id: str, principal: StaffDep, context: ContextDep) -> VersionList:
    """Every version of a template, oldest first: who uploaded it, when, with which files."""
    with context.reading() as session:
        versions = stored.template_versions(session, template_id)
    return VersionList(
        id=template_id,
        versions=[
            VersionPublic(
                version=v.version,
                author_id=v.author_id,
                created_at=v.created_at.isoformat(),
                assets=list(v.asset_names),
                source_url=f"{router.prefix}/{template_id}/versions/{v.version}/source",
            )
            for v in versions
        ],
    )


@router.get(
    "/{template_id}/versions/{version}/source",
    response_class=Response,
    responses={
        200: {
            "description": "The template's text exactly as it was uploaded.",
            "content": {"application/yaml": {}, "application/json": {}},
        },
        404: documented("No such template or version."),
    },
)
def get_source(
    template_id: str, version: VersionPath, principal: StaffDep, context: ContextDep
) -> Response:
    """One version's source text, as uploaded: application/json when it is JSON, else
    application/yaml; UTF-8."""
    with context.reading() as session:
        text = stored.template_source(session, template_id, version)
    try:
        json.loads(text)
        media_type, ext = "application/json", "json"
    except ValueError:
        media_type, ext = "application/yaml", "yaml"
    headers = {
        "Content-Disposition": f'inline; filename="{template_id}-{version}.{ext}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=3600",  # a stored version never changes
    }
    return Response(text, media_type=f"{media_type}; charset=utf-8", headers=headers)


@router.get(
    "/{template_id}/model.glb",
    status_code=303,
    response_class=Response,
    responses={
        303: {
            "description": "See Other: the model's immutable URL.",
            "headers": {"Location": {"schema": {"type": "string"}, "description": "/a/<sha>.glb"}},
        },
        404: documented("No such template or version."),
        422: documented("A parameter value is unknown, of the wrong type or out of range."),
    },
    openapi_extra={"parameters": [VALUES_PARAMETER]},
)
def build_template_model(
    template_id: str,
    request: Request,
    principal: StaffDep,
    context: ContextDep,
    version: VersionQuery = None,
) -> Response:
    """Build (once) a preview of the template (``version``, default the newest) with the
    query's values, its component GLBs included, and redirect to it."""
    with context.reading() as session:
        found = stored.stored_template(session, context.blobs, template_id, version)
    values = resolve_params(found.template.params, query_values(request), from_text=True)
    ref = context.artifacts.ensure_glb(
        found.template,
        values,
        library=material_library(),
        blobs=context.blobs,
        asset_files=found.asset_files,
    )
    context.metrics.count_artifact("glb", built=ref.built)
    location = artifact_url(context.settings, ref.sha256, "glb")
    cache = NEWEST_CACHE if version is None else PINNED_CACHE
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": cache})


@router.post(
    "",
    status_code=201,
    responses={
        201: {"headers": {"Location": {"schema": {"type": "string"}}}},
        409: documented("The template has this version already."),
        413: documented("The request is past the upload limit."),
        422: documented("Every problem of the template and its files, at once."),
    },
    openapi_extra=UPLOAD_BODY,
)
async def upload_template(
    request: Request, response: Response, principal: PlannerDep, context: ContextDep
) -> TemplateUploaded:
    """Store a new template, or a new version of one, with its component GLBs."""
    source, assets = await _read_upload(request)
    result = await run_in_threadpool(_store_upload, context, principal, source, assets)
    response.headers["Location"] = f"{router.prefix}/{result.id}?version={result.version}"
    return result


async def _read_upload(request: Request) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The form's ``source`` and ``assets``: every problem of the form itself at once."""
    problems: list[ErrorItem] = []
    sources: list[bytes] = []
    assets: list[tuple[str, bytes]] = []
    async with request.form(max_files=MAX_FILES, max_fields=MAX_FILES) as form:
        for key, value in form.multi_items():
            if key == "source":
                sources.append(
                    await value.read() if isinstance(value, UploadFile) else value.encode()
                )
            elif key == "assets":
                if isinstance(value, UploadFile):
                    assets.append((value.filename or "", await value.read()))
                else:
                    problems.append(ErrorItem("assets", MSG_NOT_A_FILE))
            elif not any(item.loc == key for item in problems):
                problems.append(ErrorItem(key, MSG_UNKNOWN_FIELD, {"name": key}))
    if not sources:
        problems.insert(0, ErrorItem("source", MSG_SOURCE_MISSING))
    elif len(sources) > 1:
        problems.insert(0, ErrorItem("source", MSG_REPEATED))
    if problems:
        raise InputError(problems)
    return sources[0], assets


def _store_upload(
    context: AppContext, principal: Principal, source: bytes, assets: list[tuple[str, bytes]]
) -> TemplateUploaded:
    with context.transaction() as session:
        result = stored.upload_template(
            session, context.blobs, source, assets, author_id=principal.user_id
        )
        info = stored.template_info(session, result.template.id, result.template.version)
        public: dict[str, Any] = template_public(info).model_dump()
    return TemplateUploaded(
        **public, new_template=result.new_template, carried_over=list(result.carried_over)
    )
