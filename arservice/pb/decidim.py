"""Winning projects from a Decidim site's public GraphQL API (``POST {site}/api``).

    source = DecidimSite(GraphQLClient(http, "https://omastadi.hel.fi/api"), "https://omastadi.hel.fi")
    found = source.read(component="42", accountability="43")

What is asked, and from which of Decidim's types (decidim-budgets ``BudgetsType``,
``BudgetType``, ``ProjectType``; decidim-accountability ``ResultType``; decidim-core's
``TranslatedFieldType``, ``ComponentInterface``, ``ScopeApiType``, ``CategoryType``):

    component(id) { __typename  participatorySpace { id type }
                    ... on Budgets { budgets(first, after) { pageInfo edges { node {…} } } } }
    component(id) { ... on Budgets { budget(id) { id projects { id reference title description
                    budget_amount selected selectedAt category { name } scope { name } url } } } }
    component(id) { ... on Accountability { results(first, after) { … { id title progress
                    status { key progress } locations { address latitude longitude } } } } }

Texts are asked once per language as ``translation(locale: "fi")`` and HTML becomes plain text.

Versions differ (0.27 has no ``Project.selectedAt`` or ``url``; ``locations`` comes from the
decidim-locations module Helsinki runs; 0.28 replaces categories and scopes with taxonomies), so
the first request reads the schema by introspection and every later query asks only for fields
the site has. A field the import cannot do without (``Project.title``, ``Budget.projects``) is a
clear :data:`~arservice.pb.errors.MSG_SCHEMA_FIELD` error instead.

A result of the accountability component belongs to a project when their titles are the same in
some language (Decidim's "import projects to results" copies the title); it gives the project's
building stage (progress 100: built, above 0: building) and its location.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from arservice.errors import InputError
from arservice.i18n import LANGUAGES
from arservice.pb.errors import (
    MSG_ADDRESS,
    MSG_NO_BUDGET,
    MSG_NO_COMPONENT,
    MSG_NOT_ACCOUNTABILITY,
    MSG_NOT_BUDGETS,
    MSG_NOT_DECIDIM,
    MSG_SCHEMA_FIELD,
    MSG_SCHEMA_SHAPE,
    SourceError,
)
from arservice.pb.graphql import GraphQLClient
from arservice.pb.records import Budget, Location, Project, Stage
from arservice.pb.text import html_to_text

PAGE_SIZE = 50
"""Items asked per page of a connection (Decidim's server caps pages at its own maximum)."""
MAX_PAGES = 1000
SPACE_PATHS = {"Decidim::ParticipatoryProcess": "processes", "Decidim::Assembly": "assemblies"}
"""Where a participatory space's pages are; Decidim finds a space by its id as by its slug."""

PROBE = """
query Schema {
  __schema { queryType { fields { name } } }
  budgets: __type(name: "Budgets") { fields { name } }
  budget: __type(name: "Budget") { fields { name } }
  project: __type(name: "Project") { fields { name } }
  component: __type(name: "ComponentInterface") { fields { name } }
  result: __type(name: "Result") { fields { name } }
  status: __type(name: "Status") { fields { name } }
  location: __type(name: "Location") { fields { name } }
}
"""


def translated(name: str) -> str:
    """``title { fi: translation(locale: "fi") sv: … }``: a translated field in every language."""
    return (
        f"{name} {{ "
        + " ".join(f'{lang}: translation(locale: "{lang}")' for lang in LANGUAGES)
        + " }"
    )


def site_and_endpoint(address: str) -> tuple[str, str]:
    """``https://omastadi.hel.fi/api/`` -> (``https://omastadi.hel.fi``, ``…/api``); the site's
    own address is taken too. InputError (at ``api``) for anything but an http(s) address."""
    text = address.strip()
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise InputError.single("api", MSG_ADDRESS, value=address)
    path = re.sub(r"/(api(/graphiql)?/?)?$", "", parts.path.rstrip("/") + "/")
    site = f"{parts.scheme}://{parts.netloc}{path.rstrip('/')}"
    return site, f"{site}/api"


@dataclass(frozen=True)
class Schema:
    """The fields this site's types have (empty: the type is missing)."""

    types: dict[str, frozenset[str]]

    def has(self, type_name: str, field: str) -> bool:
        return field in self.types.get(type_name, frozenset())

    def need(self, type_name: str, field: str) -> None:
        if not self.has(type_name, field):
            raise SourceError.single("", MSG_SCHEMA_FIELD, type=type_name, field=field)


@dataclass(frozen=True)
class DecidimRead:
    """Everything one import read, before anything is written."""

    budgets: list[Budget]
    projects: list[Project]
    requests: int


Progress = Callable[[str, int, int], None]
"""Told ``(step, done, total)`` as the reading goes on: ``("budgets", 2, 5)``."""


class DecidimSite:
    def __init__(self, client: GraphQLClient, site: str) -> None:
        self.client = client
        self.site = site
        self.host = urlsplit(site).netloc.lower()
        self._space: tuple[str, str] | None = None

    def schema(self) -> Schema:
        data = self.client.query(PROBE)
        root = _fields(_path(data, "__schema", "queryType"))
        for needed in ("component", "decidim"):
            if needed not in root:
                raise SourceError.single(
                    "", MSG_NOT_DECIDIM, url=self.client.endpoint, field=needed
                )
        names = ("budgets", "budget", "project", "component", "result", "status", "location")
        types = {name.capitalize(): _fields(data.get(name)) for name in names}
        types["ComponentInterface"] = types.pop("Component")
        schema = Schema(types)
        schema.need("Budgets", "budgets")
        schema.need("Budget", "projects")
        schema.need("Project", "id")
        schema.need("Project", "title")
        return schema

    def read(
        self,
        component: str,
        *,
        budget: str | None = None,
        accountability: str | None = None,
        progress: Progress | None = None,
    ) -> DecidimRead:
        """Every project of the component's budgets (or of ``budget``), with stages and
        locations from the ``accountability`` component's results."""
        tell = progress or (lambda step, done, total: None)
        schema = self.schema()
        budgets, prefix = self.budgets(schema, component)
        if budget is not None:
            chosen = [item for item in budgets if item.id == budget]
            if not chosen:
                known = ", ".join(item.id for item in budgets) or "-"
                raise SourceError.single(
                    "", MSG_NO_BUDGET, component=component, id=budget, known=known
                )
            budgets = chosen
        projects: list[Project] = []
        for done, item in enumerate(budgets, start=1):
            projects.extend(self.projects(schema, component, item, prefix))
            tell("budgets", done, len(budgets))
        if accountability is not None:
            results = self.results(schema, accountability)
            tell("results", 1, 1)
            projects = [with_result(project, results) for project in projects]
        return DecidimRead(budgets, projects, self.client.requests)

    def budgets(self, schema: Schema, component: str) -> tuple[list[Budget], str | None]:
        """The component's budgets, and the path of its space's pages (None: not known)."""
        space = ""
        if schema.has("ComponentInterface", "participatorySpace"):
            space = "participatorySpace { id type }"
        query = f"""
query Budgets($component: ID!, $after: String) {{
  component(id: $component) {{
    __typename
    {space}
    ... on Budgets {{
      budgets(first: {PAGE_SIZE}, after: $after) {{
        pageInfo {{ hasNextPage endCursor }}
        edges {{ node {{ id {translated("title")} }} }}
      }}
    }}
  }}
}}"""
        budgets, prefix = [], None
        for node in self._pages(query, {"component": component}, "budgets", "Budgets", component):
            budgets.append(Budget(_text(node, "id"), _texts(node.get("title"), html=False)))
        if self._space is not None:
            kind, space_id = self._space
            if kind in SPACE_PATHS:
                prefix = f"{self.site}/{SPACE_PATHS[kind]}/{space_id}/f/{component}"
        return budgets, prefix

    def projects(
        self, schema: Schema, component: str, budget: Budget, prefix: str | None
    ) -> list[Project]:
        query = f"""
query Projects($component: ID!, $budget: ID!) {{
  component(id: $component) {{
    ... on Budgets {{ budget(id: $budget) {{ id projects {{ {_project_fields(schema)} }} }} }}
  }}
}}"""
        data = self.client.query(query, {"component": component, "budget": budget.id})
        found = _path(data, "component", "budget")
        nodes = found.get("projects") if isinstance(found, dict) else None
        if not isinstance(nodes, list):
            raise SourceError.single(
                "", MSG_SCHEMA_SHAPE, path="budget.projects", detail="not a list"
            )
        base = None if prefix is None else f"{prefix}/budgets/{budget.id}/projects"
        return [self._project(node, budget, base) for node in nodes if isinstance(node, dict)]

    def results(self, schema: Schema, component: str) -> list[dict[str, Any]]:
        """The accountability component's results (raw nodes: id, title, progress, status,
        locations), every page."""
        schema.need("Result", "title")
        fields = ["id", translated("title")]
        if schema.has("Result", "progress"):
            fields.append("progress")
        if schema.has("Result", "status") and schema.has("Status", "progress"):
            fields.append("status { key progress }")
        if schema.has("Result", "locations") and {"latitude", "longitude"} <= schema.types.get(
            "Location", frozenset()
        ):
            address = "address " if schema.has("Location", "address") else ""
            fields.append(f"locations {{ {address}latitude longitude }}")
        query = f"""
query Results($component: ID!, $after: String) {{
  component(id: $component) {{
    __typename
    ... on Accountability {{
      results(first: {PAGE_SIZE}, after: $after) {{
        pageInfo {{ hasNextPage endCursor }}
        edges {{ node {{ {" ".join(fields)} }} }}
      }}
    }}
  }}
}}"""
        return list(
            self._pages(query, {"component": component}, "results", "Accountability", component)
        )

    def _pages(
        self, query: str, variables: dict[str, Any], field: str, kind: str, component: str
    ) -> Iterator[dict[str, Any]]:
        after: str | None = None
        for _page in range(MAX_PAGES):
            data = self.client.query(query, {**variables, "after": after})
            found = data.get("component")
            if not isinstance(found, dict):
                raise SourceError.single("", MSG_NO_COMPONENT, id=component)
            typename = found.get("__typename")
            if typename != kind:
                raise SourceError.single(
                    "", MSG_NOT_BUDGETS if kind == "Budgets" else MSG_NOT_ACCOUNTABILITY,
                    id=component, kind=typename,
                )  # fmt: skip
            space = found.get("participatorySpace")
            if isinstance(space, dict):
                self._space = (str(space.get("type")), str(space.get("id")))
            connection = found.get(field)
            if not isinstance(connection, dict):
                raise SourceError.single("", MSG_SCHEMA_SHAPE, path=field, detail="missing")
            for edge in connection.get("edges") or []:
                if isinstance(edge, dict) and isinstance(edge.get("node"), dict):
                    yield edge["node"]
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            after = str(info["endCursor"])
        raise SourceError.single("", MSG_SCHEMA_SHAPE, path=field, detail="endless pages")

    def _project(self, node: dict[str, Any], budget: Budget, base: str | None) -> Project:
        key = _text(node, "id")
        amount = node.get("budget_amount", node.get("budgetAmount"))
        url = node.get("url") if isinstance(node.get("url"), str) else None
        if url is None and base is not None:
            url = f"{base}/{key}"
        return Project(
            platform="decidim",
            key=key,
            host=self.host,
            title=_texts(node.get("title"), html=True),
            description=_texts(node.get("description"), html=True),
            budget_cents=amount * 100 if isinstance(amount, int) and amount >= 0 else None,
            selected=bool(node.get("selected") or node.get("selectedAt")),
            url=url,
            reference=node.get("reference") if isinstance(node.get("reference"), str) else None,
            category=_texts(_name(node.get("category")), html=False),
            scope=_texts(_name(node.get("scope")), html=False),
            budget_id=budget.id,
        )


def _project_fields(schema: Schema) -> str:
    fields = ["id", translated("title")]
    optional = {
        "description": translated("description"),
        "reference": "reference",
        "budget_amount": "budget_amount",
        "budgetAmount": "budgetAmount",
        "selected": "selected",
        "selectedAt": "selectedAt",
        "url": "url",
        "category": f"category {{ {translated('name')} }}",
        "scope": f"scope {{ {translated('name')} }}",
    }
    for name, selection in optional.items():
        if schema.has("Project", name) and not (
            name == "budgetAmount" and schema.has("Project", "budget_amount")
        ):
            fields.append(selection)
    return " ".join(fields)


def with_result(project: Project, results: list[dict[str, Any]]) -> Project:
    """``project`` with the stage and location of the result of the same title, if any."""
    titles = {title_key(text) for text in project.title.values()}
    for result in results:
        names = _texts(result.get("title"), html=True).values()
        if titles & {title_key(text) for text in names}:
            return replace(project, stage=stage_of(result), location=location_of(result))
    return project


def stage_of(result: dict[str, Any]) -> Stage:
    """A result's progress (or its status's) as the idea's stage."""
    progress = result.get("progress")
    status = result.get("status")
    if not isinstance(progress, int | float) and isinstance(status, dict):
        progress = status.get("progress")
    if isinstance(progress, int | float) and not isinstance(progress, bool):
        if progress >= 100:
            return "built"
        if progress > 0:
            return "building"
    return "winner"


def location_of(result: dict[str, Any]) -> Location | None:
    for place in result.get("locations") or []:
        if not isinstance(place, dict):
            continue
        lat, lon = place.get("latitude"), place.get("longitude")
        if not (isinstance(lat, int | float) and isinstance(lon, int | float)):
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0, 0):
            return Location(float(lat), float(lon), str(place.get("address") or ""))
    return None


def title_key(text: str) -> str:
    return " ".join(text.casefold().split())


def _fields(node: Any) -> frozenset[str]:
    if not isinstance(node, dict) or not isinstance(node.get("fields"), list):
        return frozenset()
    return frozenset(str(f.get("name")) for f in node["fields"] if isinstance(f, dict))


def _path(data: Any, *names: str) -> Any:
    for name in names:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


def _text(node: dict[str, Any], name: str) -> str:
    value = node.get(name)
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise SourceError.single("", MSG_SCHEMA_SHAPE, path=name, detail="missing")
    return str(value)


def _name(node: Any) -> Any:
    return node.get("name") if isinstance(node, dict) else None


def _texts(node: Any, *, html: bool) -> dict[str, str]:
    if not isinstance(node, dict):
        return {}
    texts = {}
    for lang in LANGUAGES:
        value = node.get(lang)
        if isinstance(value, str):
            text = html_to_text(value) if html else " ".join(value.split())
            if text:
                texts[lang] = text
    return texts
