"""Ideas over the API: planners create, edit, publish and archive them; the public sees only
published ideas; every bad input is named; a failed build changes nothing; builds happen once;
a published model is a GLB, a USDZ and a PNG preview under one hash, served at ``/a/``."""

from __future__ import annotations

import asyncio
import copy
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from arservice.gltf import export_glb
from arservice.parametric.scene import Instance, Material, Scene
from arservice.render import RendererUnavailableError
from arservice.services import models
from tests.services.test_idea_artifacts import assert_model_files
from tests.support.gltf_validator import GltfValidator
from tests.support.scenes import box_mesh, make_scene, translate
from tests.web.conftest import Staff, log_in, metric
from tests.web.test_error_shape import assert_error_shape

pytestmark = pytest.mark.anyio

URL = "/api/v1/ideas"
FOOTPRINT = [[24.9534, 60.2154], [24.9538, 60.2154], [24.9538, 60.2157], [24.9534, 60.2157]]
IDEA: dict[str, Any] = {
    "title": {"fi": "Käpylän ulkokuntosali", "sv": "Utegym i Kottby", "en": "Käpylä outdoor gym"},
    "summary": {"fi": "Neljä kuntoiluasemaa.", "en": "Four exercise stations."},
    "description": {"fi": "Asukkaiden ehdotus OmaStadissa."},
    "pb": {
        "platform": "decidim",
        "url": "https://omastadi.hel.fi/processes/osbu-2023/f/48/budgets/3/projects/123",
        "project_id": "123",
        "budget_eur": 150000,
        "selected": True,
    },
    "site": {"latitude": 60.2155, "longitude": 24.9536, "heading": 135.0, "footprint": FOOTPRINT},
    "template": {"id": "outdoor-gym", "version": 1, "params": {"stations": 4}},
}
KINDS = ("glb", "usdz", "png")
MEDIA_TYPES = {"glb": "model/gltf-binary", "usdz": "model/vnd.usdz+zip", "png": "image/png"}


def idea(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(IDEA)
    body.update(changes)
    return body


async def create(client: httpx.AsyncClient, who: Staff, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(URL, json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def publish(client: httpx.AsyncClient, who: Staff, slug: str) -> httpx.Response:
    return await client.post(f"{URL}/{slug}/publish", headers=who.headers)


async def metrics(client: httpx.AsyncClient) -> str:
    return (await client.get("/metrics")).text


async def counts(client: httpx.AsyncClient) -> dict[str, tuple[float, float]]:
    """(builds, cache hits) per kind of artifact."""
    text = await metrics(client)
    return {
        kind: (
            metric(text, f'arservice_artifact_builds_total{{kind="{kind}"}}'),
            metric(text, f'arservice_artifact_cache_hits_total{{kind="{kind}"}}'),
        )
        for kind in KINDS
    }


async def fetch_artifacts(client: httpx.AsyncClient, artifacts: dict[str, Any]) -> list[bytes]:
    """The GLB, USDZ and PNG an idea names: one hash, each served with its media type."""
    assert set(artifacts) == set(KINDS)
    hashes = {str(artifacts[kind]).removeprefix("/a/").removesuffix(f".{kind}") for kind in KINDS}
    assert len(hashes) == 1, artifacts
    files = []
    for kind in KINDS:
        response = await client.get(artifacts[kind])
        assert response.status_code == 200, artifacts[kind]
        assert response.headers["content-type"] == MEDIA_TYPES[kind]
        files.append(response.content)
    return files


class Renderer:
    """The preview renderer, switched off and on as Mesa's EGL missing or installed would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.available = True
        self._real = models.render_preview
        monkeypatch.setattr(models, "render_preview", self)
        monkeypatch.setattr(models, "_warned", threading.Event())

    def __call__(self, scene: Scene, **kwargs: Any) -> bytes:
        if not self.available:
            raise RendererUnavailableError("no EGL on this machine (a test)")
        return self._real(scene, **kwargs)


# --- the happy path ----------------------------------------------------------------------------


async def test_a_planner_creates_publishes_edits_and_archives_an_idea(
    client: httpx.AsyncClient, planner: Staff, gltf_validator: GltfValidator, tmp_path: Path
) -> None:
    created = await create(client, planner, IDEA)
    assert created["slug"] == "kapylan-ulkokuntosali"
    assert created["status"] == "draft"
    assert created["title"] == IDEA["title"]
    assert created["pb"] == {**IDEA["pb"], "budget_eur": 150000}
    assert created["site"] == IDEA["site"]
    assert created["geopose"] == {
        "position": {"lat": 60.2155, "lon": 24.9536, "h": 0.0},
        "angles": {"yaw": -45.0, "pitch": 0.0, "roll": 0.0},
    }
    assert created["template"]["params"]["stations"] == 4
    assert created["template"]["params"]["bar_height"] == 2.3  # the default, filled in
    assert created["model"] == "template"
    assert created["artifacts"] == {"glb": None, "usdz": None, "png": None}
    assert created["published_at"] is None

    response = await publish(client, planner, "kapylan-ulkokuntosali")
    assert response.status_code == 200
    published = response.json()
    assert published["status"] == "published"
    assert published["published_at"] is not None
    glb_url = published["artifacts"]["glb"]
    assert glb_url.startswith("/a/")
    assert glb_url.endswith(".glb")
    glb, usdz, png = await fetch_artifacts(client, published["artifacts"])
    assert_model_files(glb, usdz, png, tmp_path, gltf_validator)

    public = await client.get(f"{URL}/kapylan-ulkokuntosali")
    assert public.status_code == 200
    assert public.json()["artifacts"] == published["artifacts"]

    edited = await client.patch(
        f"{URL}/kapylan-ulkokuntosali",
        json={"title": {"fi": "Taivaskallion ulkokuntosali"}, "pb": {"budget_eur": 99.5}},
        headers=planner.headers,
    )
    assert edited.status_code == 200
    assert edited.json()["slug"] == "kapylan-ulkokuntosali"
    assert edited.json()["title"] == {"fi": "Taivaskallion ulkokuntosali"}
    assert edited.json()["pb"]["budget_eur"] == 99.5
    assert edited.json()["status"] == "published"
    assert edited.json()["artifacts"] == published["artifacts"]  # the model did not change

    archived = await client.post(f"{URL}/kapylan-ulkokuntosali/archive", headers=planner.headers)
    assert archived.status_code == 200
    assert archived.json()["status"] == "archived"
    assert (await client.get(f"{URL}/kapylan-ulkokuntosali")).status_code == 404
    assert (await client.get(URL)).json() == {"ideas": []}


async def test_a_planner_may_work_through_a_login_session(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    csrf = await log_in(client, planner)
    without = await client.post(URL, json=IDEA)
    assert without.status_code == 403
    response = await client.post(URL, json=IDEA, headers=csrf)
    assert response.status_code == 201


async def test_the_slug_is_made_once_and_may_be_proposed(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    first = await create(client, planner, idea(title={"fi": "Pallokenttä Äijänpuistoon"}))
    assert first["slug"] == "pallokentta-aijanpuistoon"
    second = await create(client, planner, idea(title={"fi": "Pallokenttä Äijänpuistoon"}))
    assert second["slug"] == "pallokentta-aijanpuistoon-2"
    swedish = await create(client, planner, idea(title={"sv": "Bollplan i Åggelby"}))
    assert swedish["slug"] == "bollplan-i-aggelby"
    chosen = await create(client, planner, idea(slug="oma-nimi"))
    assert chosen["slug"] == "oma-nimi"
    taken = await client.post(URL, json=idea(slug="oma-nimi"), headers=planner.headers)
    assert taken.status_code == 409
    error = assert_error_shape(taken)
    assert error["code"] == "conflict"
    [item] = error["items"]
    assert item["loc"] == "slug"
    assert "'oma-nimi'" in item["message"]


# --- the public sees published ideas only ------------------------------------------------------


async def test_drafts_and_archived_ideas_are_never_public(
    client: httpx.AsyncClient, planner: Staff, comms: Staff
) -> None:
    await create(client, planner, idea(slug="luonnos"))
    await create(client, planner, idea(slug="arkistoitu"))
    await create(client, planner, idea(slug="julkaistu"))
    assert (await publish(client, planner, "julkaistu")).status_code == 200
    assert (await publish(client, planner, "arkistoitu")).status_code == 200
    await client.post(f"{URL}/arkistoitu/archive", headers=planner.headers)

    bad_cookie = {"Cookie": "arservice_session=forged.value.here"}
    for headers in ({}, bad_cookie):
        listed = await client.get(URL, headers=headers)
        assert listed.status_code == 200
        assert "set-cookie" not in listed.headers
        assert [i["slug"] for i in listed.json()["ideas"]] == ["julkaistu"]
        for status in ("draft", "archived"):
            filtered = await client.get(URL, params={"status": status}, headers=headers)
            assert filtered.json() == {"ideas": []}
        for slug in ("luonnos", "arkistoitu"):
            hidden = await client.get(f"{URL}/{slug}", headers=headers)
            missing = await client.get(f"{URL}/no-such-idea", headers=headers)
            assert hidden.status_code == missing.status_code == 404
            assert assert_error_shape(hidden)["code"] == "not_found"
            assert "set-cookie" not in hidden.headers
        shown = await client.get(f"{URL}/julkaistu", headers=headers)
        assert shown.status_code == 200
        assert "set-cookie" not in shown.headers

    staff = await client.get(URL, headers=comms.headers)
    assert sorted(i["slug"] for i in staff.json()["ideas"]) == [
        "arkistoitu",
        "julkaistu",
        "luonnos",
    ]
    drafts = await client.get(URL, params={"status": "draft"}, headers=comms.headers)
    assert [i["slug"] for i in drafts.json()["ideas"]] == ["luonnos"]
    draft = await client.get(f"{URL}/luonnos", headers=comms.headers)
    assert draft.status_code == 200
    assert draft.json()["status"] == "draft"


# --- every bad input is named ------------------------------------------------------------------


def site(**changes: Any) -> dict[str, Any]:
    return {**IDEA["site"], **changes}


BAD_INPUTS = [
    pytest.param(
        idea(site=site(latitude="north")), "request_invalid", ["site.latitude"], id="type"
    ),
    pytest.param(idea(title="Gym"), "request_invalid", ["title"], id="title-not-a-map"),
    pytest.param(idea(colour="red"), "request_invalid", ["colour"], id="unknown-field"),
    pytest.param(
        idea(pb={**IDEA["pb"], "budget": 1}), "request_invalid", ["pb.budget"], id="unknown-pb"
    ),
    pytest.param(idea(title={}), "input_invalid", ["title"], id="no-title"),
    pytest.param(idea(title={"de": "Fitness"}), "input_invalid", ["title.de"], id="language"),
    pytest.param(
        idea(pb={**IDEA["pb"], "url": "javascript:alert(1)"}),
        "input_invalid",
        ["pb.url"],
        id="url",
    ),
    pytest.param(
        idea(pb={**IDEA["pb"], "budget_eur": 12.345}),
        "input_invalid",
        ["pb.budget_eur"],
        id="budget-fraction",
    ),
    pytest.param(
        idea(pb={**IDEA["pb"], "budget_eur": -5}), "input_invalid", ["pb.budget_eur"], id="budget"
    ),
    pytest.param(idea(site=site(latitude=91.0)), "input_invalid", ["site.latitude"], id="lat"),
    pytest.param(idea(site=site(longitude=-181)), "input_invalid", ["site.longitude"], id="lon"),
    pytest.param(idea(site=site(heading=400)), "input_invalid", ["site.heading"], id="heading"),
    pytest.param(
        idea(site=site(latitude=-95, heading=-1)),
        "input_invalid",
        ["site.latitude", "site.heading"],
        id="all-at-once",
    ),
    pytest.param(
        idea(site=site(footprint=[[24.95, 60.21], [24.96, 60.22], [24.96, 60.21], [24.95, 60.22]])),
        "input_invalid",
        ["site.footprint"],
        id="self-intersecting",
    ),
    pytest.param(
        idea(site=site(footprint=[[24.95, 60.21], [24.96, 60.22]])),
        "input_invalid",
        ["site.footprint"],
        id="footprint-too-few",
    ),
    pytest.param(
        idea(site=site(footprint=[[24.95, 60.21], [24.96, 60.22, 3], [24.96, 60.21]])),
        "request_invalid",
        ["site.footprint[1]"],
        id="footprint-point",
    ),
    pytest.param(
        idea(template={"id": "outdoor-gymm"}), "input_invalid", ["template.id"], id="template"
    ),
    pytest.param(
        idea(template={"id": "outdoor-gym", "version": 42}),
        "input_invalid",
        ["template.version"],
        id="version",
    ),
    pytest.param(
        idea(template={"id": "outdoor-gym", "params": {"stations": 11}}),
        "parameters_invalid",
        ["template.params.stations"],
        id="out-of-range",
    ),
    pytest.param(
        idea(template={"id": "outdoor-gym", "params": {"station": 5, "surface": "lava"}}),
        "parameters_invalid",
        ["template.params.station", "template.params.surface"],
        id="params",
    ),
    pytest.param(idea(slug="Iso Kirjain"), "input_invalid", ["slug"], id="slug"),
]


@pytest.mark.parametrize(("body", "code", "locs"), BAD_INPUTS)
async def test_a_bad_idea_is_refused_naming_each_field(
    client: httpx.AsyncClient, planner: Staff, body: dict[str, Any], code: str, locs: list[str]
) -> None:
    response = await client.post(URL, params={"lang": "en"}, json=body, headers=planner.headers)
    assert response.status_code == 422
    error = assert_error_shape(response)
    assert error["code"] == code
    assert sorted(item["loc"] for item in error["items"]) == sorted(locs)
    assert (await client.get(URL, headers=planner.headers)).json() == {"ideas": []}


async def test_malformed_json_is_refused(client: httpx.AsyncClient, planner: Staff) -> None:
    response = await client.post(
        URL,
        content=b'{"title": {"fi": "Puisto"',
        headers={**planner.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert assert_error_shape(response)["code"] == "request_invalid"


async def test_messages_say_what_and_how_to_fix(client: httpx.AsyncClient, planner: Staff) -> None:
    response = await client.post(
        URL, params={"lang": "en"}, json=idea(site=site(heading=400)), headers=planner.headers
    )
    [item] = assert_error_shape(response)["items"]
    assert item == {
        "loc": "site.heading",
        "message": "must be a heading from 0 up to 360 degrees, clockwise from north, of the "
        "model's front (got 400.0)",
    }


async def test_heading_360_is_stored_as_0(client: httpx.AsyncClient, planner: Staff) -> None:
    created = await create(client, planner, idea(site=site(heading=360)))
    assert created["site"]["heading"] == 0.0
    assert created["geopose"]["angles"]["yaw"] == 90.0


# --- publishing --------------------------------------------------------------------------------


async def test_an_idea_without_a_model_cannot_be_published(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    body = idea()
    del body["template"]
    created = await create(client, planner, body)
    assert created["model"] is None
    response = await publish(client, planner, created["slug"])
    assert response.status_code == 409
    assert assert_error_shape(response)["code"] == "conflict"
    assert (await client.get(f"{URL}/{created['slug']}", headers=planner.headers)).json() == created


async def test_a_failed_build_leaves_the_idea_as_it_was(
    client: httpx.AsyncClient, planner: Staff, admin: Staff
) -> None:
    ring_of_three = {"id": "outdoor-gym", "params": {"layout": "ring", "stations": 3}}
    created = await create(client, planner, idea(template=ring_of_three))
    response = await publish(client, planner, created["slug"])
    assert response.status_code == 422
    assert assert_error_shape(response)["code"] == "build_failed"
    after = await client.get(f"{URL}/{created['slug']}", headers=planner.headers)
    assert after.json() == created

    good = await create(client, planner, idea(slug="hyva"))
    published = (await publish(client, planner, "hyva")).json()
    edit = await client.patch(
        f"{URL}/hyva",
        json={"title": {"fi": "Uusi nimi"}, "template": ring_of_three},
        headers=planner.headers,
    )
    assert edit.status_code == 422
    assert assert_error_shape(edit)["code"] == "build_failed"
    unchanged = (await client.get(f"{URL}/hyva")).json()
    assert unchanged == published
    assert unchanged["title"] == good["title"]
    audit = await client.get("/api/v1/audit", params={"target_id": "hyva"}, headers=admin.headers)
    assert [entry["action"] for entry in audit.json()["entries"]] == ["idea.publish", "idea.create"]


async def test_editing_a_published_model_rebuilds_it_at_once(
    client: httpx.AsyncClient, planner: Staff, gltf_validator: GltfValidator, tmp_path: Path
) -> None:
    created = await create(client, planner, IDEA)
    before = (await publish(client, planner, created["slug"])).json()["artifacts"]
    edit = await client.patch(
        f"{URL}/{created['slug']}",
        json={"template": {"id": "outdoor-gym", "params": {"stations": 6, "layout": "ring"}}},
        headers=planner.headers,
    )
    assert edit.status_code == 200
    after = edit.json()
    assert after["status"] == "published"
    assert after["template"]["params"]["stations"] == 6
    for kind in KINDS:
        assert after["artifacts"][kind] not in (None, before[kind])
    assert_model_files(*await fetch_artifacts(client, after["artifacts"]), tmp_path, gltf_validator)
    assert await counts(client) == dict.fromkeys(KINDS, (2, 0))


async def test_the_same_inputs_build_once(client: httpx.AsyncClient, planner: Staff) -> None:
    one = await create(client, planner, idea(slug="yksi"))
    two = await create(client, planner, idea(slug="kaksi"))
    assert await counts(client) == dict.fromkeys(KINDS, (0, 0))
    first = (await publish(client, planner, one["slug"])).json()
    assert await counts(client) == dict.fromkeys(KINDS, (1, 0))
    second = (await publish(client, planner, two["slug"])).json()
    again = await publish(client, planner, one["slug"])
    assert again.status_code == 200
    assert again.json()["published_at"] == first["published_at"]
    assert await counts(client) == dict.fromkeys(KINDS, (1, 2))
    assert first["artifacts"] == second["artifacts"] == again.json()["artifacts"]


async def test_concurrent_publishes_of_one_new_model_build_it_once(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    slugs = [
        (await create(client, planner, idea(slug=f"rinnakkain-{i}")))["slug"] for i in range(3)
    ]
    responses = await asyncio.gather(*(publish(client, planner, slug) for slug in slugs))
    assert [response.status_code for response in responses] == [200, 200, 200]
    assert len({str(response.json()["artifacts"]) for response in responses}) == 1
    assert await counts(client) == dict.fromkeys(KINDS, (1, 2))


async def test_without_a_renderer_an_idea_is_published_with_no_png_and_it_comes_later(
    client: httpx.AsyncClient, planner: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    renderer = Renderer(monkeypatch)
    renderer.available = False
    created = await create(client, planner, IDEA)
    published = (await publish(client, planner, created["slug"])).json()
    assert published["status"] == "published"
    artifacts = published["artifacts"]
    assert artifacts["png"] is None
    assert (await client.get(artifacts["glb"])).status_code == 200
    assert (await client.get(artifacts["usdz"])).status_code == 200
    assert (await client.get(artifacts["glb"].replace(".glb", ".png"))).status_code == 404
    assert await counts(client) == {"glb": (1, 0), "usdz": (1, 0), "png": (0, 0)}

    renderer.available = True
    filled = (await publish(client, planner, created["slug"])).json()
    assert filled["published_at"] == published["published_at"]
    assert filled["artifacts"]["png"] == artifacts["glb"].replace(".glb", ".png")
    assert {kind: filled["artifacts"][kind] for kind in ("glb", "usdz")} == {
        kind: artifacts[kind] for kind in ("glb", "usdz")
    }
    png = await client.get(filled["artifacts"]["png"])
    assert (png.status_code, png.headers["content-type"]) == (200, "image/png")
    assert await counts(client) == {"glb": (1, 1), "usdz": (1, 1), "png": (1, 0)}


async def test_every_change_is_audited_with_its_actor(
    client: httpx.AsyncClient, planner: Staff, admin: Staff
) -> None:
    created = await create(client, planner, IDEA)
    slug = created["slug"]
    await client.patch(f"{URL}/{slug}", json={"summary": {"sv": "Fyra"}}, headers=planner.headers)
    await publish(client, admin, slug)
    await client.post(f"{URL}/{slug}/archive", headers=planner.headers)
    response = await client.get("/api/v1/audit", params={"target_id": slug}, headers=admin.headers)
    entries = response.json()["entries"]
    assert [(e["action"], e["actor_id"]) for e in entries] == [
        ("idea.archive", planner.user_id),
        ("idea.publish", admin.user_id),
        ("idea.update", planner.user_id),
        ("idea.create", planner.user_id),
    ]
    assert entries[2]["details"]["changes"]["summary"]["to"] == {"sv": "Fyra"}
    assert entries[3]["details"]["title"] == IDEA["title"]
    assert entries[0]["details"] == {"from": "published"}


# --- an uploaded model -------------------------------------------------------------------------


def kiosk_glb() -> bytes:
    """A 3 m box standing 10 m off the origin, as a manufacturer's file might."""
    scene = make_scene(
        [Instance("kiosk", box_mesh((3.0, 2.5, 2.0)), "wood", translate(10, 1.25, -4))],
        [Material("wood", base_color=(0.6, 0.4, 0.2, 1.0))],
    )
    return export_glb(scene)


async def test_an_uploaded_model_replaces_the_template(
    client: httpx.AsyncClient, planner: Staff, gltf_validator: GltfValidator, tmp_path: Path
) -> None:
    created = await create(client, planner, IDEA)
    url = f"{URL}/{created['slug']}/model"
    files = {"file": ("Kioski malli.glb", kiosk_glb(), "model/gltf-binary")}
    response = await client.put(url, files=files, headers=planner.headers)
    assert response.status_code == 200, response.text
    uploaded = response.json()
    assert uploaded["model"] == "uploaded"
    assert uploaded["template"] is None
    files = await fetch_artifacts(client, uploaded["artifacts"])
    assert_model_files(*files, tmp_path, gltf_validator)
    assert await counts(client) == dict.fromkeys(KINDS, (1, 0))
    published = (await publish(client, planner, created["slug"])).json()
    assert published["artifacts"] == uploaded["artifacts"]
    assert await counts(client) == dict.fromkeys(KINDS, (1, 1))

    bad = await client.put(
        url,
        files={"file": ("x.glb", b"glTF nonsense", "model/gltf-binary")},
        headers=planner.headers,
    )
    assert bad.status_code == 422
    error = assert_error_shape(bad)
    assert error["code"] == "asset_invalid"
    assert all(item["loc"].startswith("file") for item in error["items"])
    assert (await client.get(f"{URL}/{created['slug']}")).json() == published


# --- who may ----------------------------------------------------------------------------------

CHANGES = [
    ("POST", URL, IDEA),
    ("PATCH", f"{URL}/kapylan-ulkokuntosali", {"title": {"fi": "X"}}),
    ("POST", f"{URL}/kapylan-ulkokuntosali/publish", None),
    ("POST", f"{URL}/kapylan-ulkokuntosali/archive", None),
]


@pytest.mark.parametrize(("method", "url", "body"), CHANGES)
async def test_only_planners_change_ideas(
    client: httpx.AsyncClient,
    planner: Staff,
    comms: Staff,
    method: str,
    url: str,
    body: dict[str, Any] | None,
) -> None:
    await create(client, planner, IDEA)
    anonymous = await client.request(method, url, json=body)
    assert anonymous.status_code == 401
    assert assert_error_shape(anonymous)["code"] == "not_authenticated"
    forbidden = await client.request(method, url, json=body, headers=comms.headers)
    assert forbidden.status_code == 403
    assert assert_error_shape(forbidden)["code"] == "forbidden"
    bad_token = await client.request(
        method, url, json=body, headers={"Authorization": "Bearer ars_nope"}
    )
    assert bad_token.status_code == 401
    still = await client.get(f"{URL}/kapylan-ulkokuntosali", headers=planner.headers)
    assert still.json()["status"] == "draft"
    assert still.json()["title"] == IDEA["title"]


async def test_comms_may_not_upload_a_model(
    client: httpx.AsyncClient, planner: Staff, comms: Staff
) -> None:
    await create(client, planner, IDEA)
    files = {"file": ("kiosk.glb", kiosk_glb(), "model/gltf-binary")}
    url = f"{URL}/kapylan-ulkokuntosali/model"
    assert (await client.put(url, files=files)).status_code == 401
    assert (await client.put(url, files=files, headers=comms.headers)).status_code == 403
