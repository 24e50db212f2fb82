"""A local Decidim API for the import tests: a real HTTP server (a thread, a free port) that
answers GraphQL with graphql-core, on a schema written from Decidim 0.27's type definitions.

The SDL below is transcribed from the graphql-ruby types of decidim/decidim at 0.27:
decidim-api ``QueryType`` (``component(id:)``, ``decidim``), decidim-core ``DecidimType``
(``applicationName``, ``version``), ``ComponentInterface`` (id, name, weight,
participatorySpace), ``ParticipatorySpaceType`` (id, type, name), ``TranslatedFieldType``
(``locales``, ``translation(locale: String!)``, ``translations(locales:)``),
``LocalizedStringType``, ``ScopeApiType``, ``CategoryType``; decidim-budgets ``BudgetsType``
(``budgets`` as a Relay connection, ``budget(id: ID!)``), ``BudgetType`` (id, title,
description, ``total_budget`` not camelized, ``projects`` a plain list), ``ProjectType`` (id,
title, description, ``budget_amount`` not camelized, selected, createdAt, updatedAt,
reference, category, scope); decidim-accountability ``AccountabilityType`` (``results``
connection, ``result(id:)``), ``ResultType`` (id, title, description, reference, startDate,
endDate, progress: Float, weight, externalId, children, parent, status), ``StatusType`` (id,
key, name, description, progress: Int). Fields the import never asks for (comments,
attachments, versions, metrics) are left out: leaving a field out can only make this schema
stricter than the real one, never more lenient.

Variants (:class:`Variant`) add what other sites have: ``locations { address latitude
longitude }`` on results (the decidim-locations module that Helsinki's OmaStadi runs), and the
newer ``Project.selectedAt`` and ``Project.url`` without categories and scopes (0.28 moved them
to taxonomies).

Every query is validated against the schema before it runs; one the schema rejects is kept in
``server.rejected`` (the fixture fails the test on it) and answered with GraphQL errors, as
Decidim would. ``server.faults`` queues misbehaviours, one per request: ``"429"``, ``"500"``,
``"slow"``, ``"html"`` (not JSON), ``"graphql-error"``.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from graphql import GraphQLSchema, build_schema, graphql_sync, parse, validate

SDL_CORE = """
schema { query: Query }
scalar DateTime
scalar Date

type Query {
  component(id: ID): ComponentInterface
  decidim: Decidim
}
type Decidim { applicationName: String! version: String }
type LocalizedString { locale: String! text: String }
type TranslatedField {
  locales: [String]
  translation(locale: String!): String
  translations(locales: [String]): [LocalizedString!]!
}
type ParticipatorySpace { id: ID! type: String! name: TranslatedField! }
interface ComponentInterface {
  id: ID! name: TranslatedField! weight: Int! participatorySpace: ParticipatorySpace!
}
type PageInfo {
  hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String
}
type Scope { id: ID! name: TranslatedField! children: [Scope] parent: Scope }
type Category { id: ID! name: TranslatedField! parent: Category subcategories: [Category] }

type Budgets implements ComponentInterface {
  id: ID! name: TranslatedField! weight: Int! participatorySpace: ParticipatorySpace!
  budgets(first: Int, after: String, last: Int, before: String): BudgetConnection
  budget(id: ID!): Budget
}
type BudgetConnection { edges: [BudgetEdge] nodes: [Budget] pageInfo: PageInfo! }
type BudgetEdge { cursor: String! node: Budget }
type Budget {
  id: ID! title: TranslatedField! description: TranslatedField! total_budget: Int!
  createdAt: DateTime updatedAt: DateTime scope: Scope projects: [Project]!
}
type Proposals implements ComponentInterface {
  id: ID! name: TranslatedField! weight: Int! participatorySpace: ParticipatorySpace!
}
type Accountability implements ComponentInterface {
  id: ID! name: TranslatedField! weight: Int! participatorySpace: ParticipatorySpace!
  results(first: Int, after: String, last: Int, before: String): ResultConnection
  result(id: ID!): Result
}
type ResultConnection { edges: [ResultEdge] nodes: [Result] pageInfo: PageInfo! }
type ResultEdge { cursor: String! node: Result }
type Status {
  id: ID! key: String name: TranslatedField description: TranslatedField progress: Int
  results: [Result]
}
"""

PROJECT_027 = """
type Project {
  id: ID! title: TranslatedField description: TranslatedField budget_amount: Int
  selected: Boolean createdAt: DateTime updatedAt: DateTime reference: String
  scope: Scope category: Category
}"""
PROJECT_NEWER = """
type Project {
  id: ID! title: TranslatedField description: TranslatedField budget_amount: Int
  selected: Boolean selectedAt: DateTime url: String! createdAt: DateTime updatedAt: DateTime
  reference: String
}"""
RESULT = """
type Result {
  id: ID! title: TranslatedField description: TranslatedField reference: String
  startDate: Date endDate: Date progress: Float createdAt: DateTime updatedAt: DateTime
  childrenCount: Int weight: Int! externalId: String children: [Result] parent: Result
  status: Status scope: Scope category: Category%s
}"""
LOCATION = "type Location { address: String latitude: Float longitude: Float }"

OTHER_SDL = "type Query { hello: String }"
"""A GraphQL server that is not Decidim."""


@dataclass(frozen=True)
class Variant:
    locations: bool = True
    newer: bool = False
    other: bool = False


def make_schema(variant: Variant) -> GraphQLSchema:
    if variant.other:
        return build_schema(OTHER_SDL)
    sdl = SDL_CORE + (PROJECT_NEWER if variant.newer else PROJECT_027)
    sdl += RESULT % ("\n  locations: [Location]" if variant.locations else "")
    if variant.locations:
        sdl += "\n" + LOCATION
    schema = build_schema(sdl)
    _attach_resolvers(schema)
    return schema


# --- resolvers ---------------------------------------------------------------------------------


def _cursor(index: int) -> str:
    return base64.b64encode(str(index).encode()).decode()


def _connection(items: list[Any], first: int | None, after: str | None, cap: int) -> dict[str, Any]:
    """graphql-ruby's connections: ``first`` capped at the server's maximum page size."""
    start = int(base64.b64decode(after)) + 1 if after else 0
    size = min(first or cap, cap)
    page = items[start : start + size]
    edges = [{"cursor": _cursor(start + i), "node": node} for i, node in enumerate(page)]
    return {
        "edges": edges,
        "nodes": page,
        "pageInfo": {
            "hasNextPage": start + size < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _attach_resolvers(schema: GraphQLSchema) -> None:
    def field(type_name: str, name: str) -> Any:
        return schema.type_map[type_name].fields[name]  # type: ignore[union-attr]

    field("Query", "component").resolve = lambda root, info, id=None: root["components"].get(
        str(id)
    )
    field("Query", "decidim").resolve = lambda root, info: {
        "applicationName": "OmaStadi",
        "version": None,
    }
    field("TranslatedField", "translation").resolve = lambda texts, info, locale: texts.get(locale)
    field("TranslatedField", "locales").resolve = lambda texts, info: list(texts)
    cap = lambda info: info.root_value["page_size"]  # noqa: E731
    field("Budgets", "budgets").resolve = lambda c, info, first=None, after=None, **_: _connection(
        c["_budgets"], first, after, cap(info)
    )
    field("Budgets", "budget").resolve = lambda c, info, id: next(
        (b for b in c["_budgets"] if b["id"] == str(id)), None
    )
    field("Accountability", "results").resolve = lambda c, info, first=None, after=None, **_: (
        _connection(c["_results"], first, after, cap(info))
    )


# --- data --------------------------------------------------------------------------------------

SPACE = {"id": "7", "type": "Decidim::ParticipatoryProcess", "name": {"fi": "OmaStadi 2023"}}
SPORTS = {
    "id": "3",
    "name": {"fi": "Liikunta ja ulkoilu", "sv": "Idrott och friluftsliv", "en": "Sports"},
}
PARKS = {"id": "4", "name": {"fi": "Puistot ja luonto", "sv": "Parker och natur", "en": "Parks"}}
CULTURE = {"id": "5", "name": {"fi": "Kulttuuri", "sv": "Kultur", "en": "Culture"}}


def _district(key: str, fi: str, sv: str) -> dict[str, Any]:
    return {"id": key, "name": {"fi": fi, "sv": sv, "en": fi}}


def _project(key: str, title: dict[str, str], **values: Any) -> dict[str, Any]:
    project = {
        "id": key,
        "title": title,
        "description": values.pop("description", {}),
        "budget_amount": values.pop("amount", 50_000),
        "selected": values.pop("selected", False),
        "reference": f"OS-BUDG-{key}",
        "category": values.pop("category", None),
        "scope": values.pop("scope", None),
    }
    project["selectedAt"] = "2023-11-20T12:00:00+02:00" if project["selected"] else None
    project["url"] = (
        f"https://omastadi.example.org/processes/omastadi/f/10/budgets/x/projects/{key}"
    )
    project.update(values)
    return project


def decidim_data() -> dict[str, Any]:
    """Five district budgets (paged past one page), eight projects in fi/sv/en with HTML, four
    selected, one without a Swedish title; results (two with locations) in accountability."""
    east = _district("21", "Itäinen", "Östra")
    south = _district("22", "Eteläinen", "Södra")
    gym = _project(
        "101",
        {"fi": "Ulkokuntosali Kontulaan", "sv": "Utegym till Gårdsbacka", "en": "Kontula gym"},
        description={
            "fi": "<p>Kontulan puistoon <strong>ulkokuntosali</strong>.</p><p>Kolme asemaa.</p>",
            "sv": "<p>Ett utegym i <em>Gårdsbacka</em> park.</p>",
            "en": "<p>An outdoor gym in Kontula park.</p><script>alert(1)</script>",
        },
        amount=85_000, selected=True, category=SPORTS, scope=east,
    )  # fmt: skip
    court = _project(
        "102",
        {"fi": "Koripallokenttä Vuosaareen", "sv": "Basketplan i Nordsjö", "en": "Court"},
        description={"fi": "<p>Uusi kenttä<br>ja valot.</p>"},
        amount=120_000, selected=True, category=SPORTS, scope=east,
    )  # fmt: skip
    playground = _project(
        "103",
        {"fi": "Leikkipaikka Kaivopuistoon", "en": "Playground in Kaivopuisto"},  # no Swedish
        description={"fi": "<ul><li>Liukumäki</li><li>Keinut</li></ul>"},
        amount=60_000, selected=True, category=PARKS, scope=south,
    )  # fmt: skip
    reading = _project(
        "104",
        {"fi": "Lukupiiri kirjastoon", "sv": "Läsecirkel", "en": "Reading circle"},
        description={"fi": "<p>Kirjaston <a href='https://x'>lukupiiri</a>.</p>"},
        amount=8_000, selected=True, category=CULTURE, scope=south,
    )  # fmt: skip
    losers = [
        _project(key, {"fi": f"Ehdotus {key}", "sv": f"Förslag {key}", "en": f"Idea {key}"})
        for key in ("105", "106", "107", "108")
    ]
    budgets = [
        {"id": "1", "title": {"fi": "Itäinen", "sv": "Östra"}, "projects": [gym, court, losers[0]]},
        {"id": "2", "title": {"fi": "Eteläinen"}, "projects": [playground, reading, losers[1]]},
        {"id": "3", "title": {"fi": "Läntinen"}, "projects": [losers[2]]},
        {"id": "4", "title": {"fi": "Pohjoinen"}, "projects": [losers[3]]},
        {"id": "5", "title": {"fi": "Koko Helsinki"}, "projects": []},
    ]
    results = [
        {
            "id": "501",
            "title": {"fi": "Ulkokuntosali Kontulaan"},
            "progress": 40.0,
            "status": {"key": "in_progress", "progress": 40},
            "locations": [{"address": "Kontulantie 1", "latitude": 60.2355, "longitude": 25.0824}],
        },
        {
            "id": "502",
            "title": {"fi": "Leikkipaikka Kaivopuistoon"},
            "progress": 100.0,
            "status": {"key": "done", "progress": 100},
            "locations": [{"address": "", "latitude": 60.1569, "longitude": 24.9561}],
        },
        {"id": "503", "title": {"fi": "Jotain muuta"}, "progress": None, "status": None},
    ]
    for number, result in enumerate(results):
        result.setdefault("locations", [])
        result["weight"] = number
    component = {"id": "10", "weight": 0, "name": {"fi": "Äänestys"}, "participatorySpace": SPACE}
    return {
        "page_size": 2,
        "components": {
            "10": {**component, "__typename": "Budgets", "_budgets": budgets},
            "11": {**component, "id": "11", "__typename": "Proposals"},
            "12": {**component, "id": "12", "__typename": "Accountability", "_results": results},
        },
    }


# --- the server --------------------------------------------------------------------------------


@dataclass
class DecidimServer:
    """The running server: its address, data (change it between imports), what it saw."""

    url: str
    data: dict[str, Any]
    schema: GraphQLSchema
    faults: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    slow_seconds: float = 1.0

    @property
    def api(self) -> str:
        return f"{self.url}/api"

    def project(self, key: str) -> dict[str, Any]:
        for budget in self.data["components"]["10"]["_budgets"]:
            for project in budget["projects"]:
                if project["id"] == key:
                    return project  # type: ignore[no-any-return]
        raise KeyError(key)

    def answer(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        fault = self.faults.pop(0) if self.faults else None
        if fault == "slow":
            time.sleep(self.slow_seconds)
        if fault == "429":
            return 429, {"Retry-After": "3"}, b'{"error": "Rack::Attack: too many requests"}'
        if fault == "500":
            return 500, {}, b"<html>Internal Server Error</html>"
        if fault == "html":
            return 200, {"Content-Type": "text/html"}, b"<!DOCTYPE html><html>Maintenance</html>"
        if fault == "graphql-error":
            return 200, {}, json.dumps({"errors": [{"message": "Internal server error"}]}).encode()
        request = json.loads(body)
        query = request["query"]
        self.queries.append(query)
        problems = validate(self.schema, parse(query))
        if problems:
            self.rejected.append(query)
            errors = [{"message": problem.message} for problem in problems]
            return 200, {}, json.dumps({"errors": errors}).encode()
        result = graphql_sync(
            self.schema, query, root_value=self.data, variable_values=request.get("variables")
        )
        return 200, {}, json.dumps(result.formatted).encode()


def _handler(server: DecidimServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path.rstrip("/") != "/api":
                self._send(404, {"Content-Type": "text/html"}, b"<html>Not found</html>")
                return
            status, headers, content = server.answer(body)
            self._send(status, {"Content-Type": "application/json", **headers}, content)

        def _send(self, status: int, headers: dict[str, str], content: bytes) -> None:
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_decidim(variant: Variant | None = None) -> Iterator[DecidimServer]:
    """A server on 127.0.0.1 and a free port, stopped when the block ends."""
    chosen = variant or Variant()
    placeholder = DecidimServer("", copy.deepcopy(decidim_data()), make_schema(chosen))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(placeholder))
    httpd.daemon_threads = True
    placeholder.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield placeholder
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
