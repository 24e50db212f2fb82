"""Templates: the built-in templates with their parameters, and a model built from one.

``GET /api/v1/templates/{id}/model.glb?stations=5&bench=false`` checks the values against the
template's parameters, builds the model once (or finds it built) and answers 303 See Other to
its immutable artifact URL, which is what clients and caches keep. ``lang`` is not a parameter:
it picks the language of error messages.
"""

from __future__ import annotations

import difflib

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from arservice.errors import ErrorItem, NotFoundError, ParameterError
from arservice.i18n import N_
from arservice.parametric import Template, resolve_params
from arservice.parametric.schema import ParamSchema
from arservice.store.builtin import builtin_template, builtin_template_paths, material_library
from arservice.web.context import ContextDep
from arservice.web.errors import ERROR_RESPONSES, documented
from arservice.web.routes.artifacts import artifact_url

router = APIRouter(prefix="/api/v1/templates", tags=["templates"], responses=ERROR_RESPONSES)

MSG_NO_TEMPLATE = N_("there is no template '{name}'; templates are: {known}")
MSG_NO_TEMPLATE_HINT = N_("there is no template '{name}'; did you mean '{hint}'?")
MSG_REPEATED = N_("is given more than once")
NOT_PARAMETERS = frozenset({"lang"})
"""Query keys of the build endpoint that are not template parameters."""
REDIRECT_CACHE = "public, max-age=300"
"""The redirect may be cached briefly: the same values lead to the same artifact until the
service is upgraded (a new generator version names new artifacts)."""

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

Number = int | float


class ParamPublic(BaseModel):
    """One parameter, as a form needs it: ``step`` is a hint, ``min``..``max`` a rule."""

    type: str
    default: bool | int | float | str
    min: Number | None = None
    max: Number | None = None
    step: Number | None = None
    options: list[str] | None = None
    label: dict[str, str] = Field(default_factory=dict)
    help: dict[str, str] = Field(default_factory=dict)
    group: str | None = None


class TemplatePublic(BaseModel):
    id: str
    version: int
    title: dict[str, str] = Field(description="Per language: fi, sv, en.")
    description: dict[str, str] = Field(description="Per language, with {name} placeholders.")
    params: dict[str, ParamPublic]
    model_url: str = Field(description="The model at default values; add ?name=value to vary.")


class TemplateList(BaseModel):
    templates: list[TemplatePublic]


def _param_public(param: ParamSchema) -> ParamPublic:
    return ParamPublic.model_validate(param.model_dump(exclude_none=True))


def template_public(template: Template) -> TemplatePublic:
    schema = template.schema
    return TemplatePublic(
        id=template.id,
        version=template.version,
        title=dict(schema.title),
        description=dict(schema.description or {}),
        params={name: _param_public(param) for name, param in schema.params.items()},
        model_url=f"{router.prefix}/{template.id}/model.glb",
    )


def find_template(template_id: str) -> Template:
    """A built-in template by id; NotFoundError naming the nearest id or all of them."""
    known = list(builtin_template_paths())
    if template_id in known:
        return builtin_template(template_id)
    hints = difflib.get_close_matches(template_id, known, n=1, cutoff=0.6)
    if hints:
        raise NotFoundError.single("", MSG_NO_TEMPLATE_HINT, name=template_id, hint=hints[0])
    raise NotFoundError.single("", MSG_NO_TEMPLATE, name=template_id, known=", ".join(known))


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
def list_templates() -> TemplateList:
    """Every built-in template with its parameters."""
    return TemplateList(
        templates=[template_public(find_template(i)) for i in builtin_template_paths()]
    )


@router.get("/{template_id}", responses={404: documented("No such template.")})
def get_template(template_id: str) -> TemplatePublic:
    """One built-in template with its parameters."""
    return template_public(find_template(template_id))


@router.get(
    "/{template_id}/model.glb",
    status_code=303,
    response_class=Response,
    responses={
        303: {
            "description": "See Other: the model's immutable URL.",
            "headers": {"Location": {"schema": {"type": "string"}, "description": "/a/<sha>.glb"}},
        },
        404: documented("No such template."),
        422: documented("A parameter value is unknown, of the wrong type or out of range."),
    },
    openapi_extra={"parameters": [VALUES_PARAMETER]},
)
def build_template_model(template_id: str, request: Request, context: ContextDep) -> Response:
    """Build (once) the template's model with the query's values and redirect to it."""
    template = find_template(template_id)
    values = resolve_params(template.params, query_values(request), from_text=True)
    ref = context.artifacts.ensure_glb(
        template, values, library=material_library(), blobs=context.blobs
    )
    context.metrics.count_artifact("glb", built=ref.built)
    location = artifact_url(context.settings, ref.sha256, "glb")
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": REDIRECT_CACHE})
