"""Planners upload templates and new versions with their component GLBs over the API: stored
when everything is right, refused with every problem at once (and nothing written) when not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from arservice.settings import Settings
from arservice.store.blobs import LocalBlobStore
from arservice.store.models import AuditEntry, Role, TemplateAsset, TemplateVersion
from arservice.web import create_app
from tests.services.test_uploads import box_glb, sign_glb
from tests.support.gltf_validator import assert_valid_glb
from tests.web.conftest import TEST_SECRET, Staff, add_staff, client_for, log_in
from tests.web.test_error_shape import assert_error_shape

pytestmark = pytest.mark.anyio

URL = "/api/v1/templates"
SIGNS = """\
format: arservice/template@1
id: sign-post
version: {version}
title: {{fi: Opastetaulu, sv: Skylt, en: Sign post}}
params:
  width: {{type: length, min: 1, max: 6, default: 2, label: {{en: Width}}}}
  signs: {{type: integer, min: 1, max: 4, default: 1, label: {{en: Signs}}}}
parts:
  - {{name: pad, shape: box, size: [=width, 0.1, 1.5], at: [0, 0.05, 0], material: concrete}}
  - name: sign
    asset: info-sign.glb
    at: [0, 0.1, 0]
    repeat: {{count: =signs, step: [0.8, 0, 0]}}
"""

Files = list[tuple[str, tuple[str, bytes, str]]]


def signs_source(version: int = 1) -> str:
    return SIGNS.format(version=version)


def form(source: str | bytes | None, *assets: tuple[str, bytes]) -> Files:
    """A multipart form as curl -F would send it: the template file, then the GLBs."""
    files: Files = []
    if source is not None:
        data = source.encode() if isinstance(source, str) else source
        files.append(("source", ("sign-post.yaml", data, "application/yaml")))
    files.extend(("assets", (name, data, "model/gltf-binary")) for name, data in assets)
    return files


async def post(
    client: httpx.AsyncClient, who: Staff, files: Files, **kwargs: Any
) -> httpx.Response:
    return await client.post(URL + "?lang=en", files=files, headers=who.headers, **kwargs)


def stored_counts(app: FastAPI) -> tuple[int, int, int]:
    """Rows of template_versions, template_assets and audit_entries in the app's database."""
    with app.state.context.transaction() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (TemplateVersion, TemplateAsset, AuditEntry)
        )


def stored_blobs(tmp_path: Path) -> list[str]:
    folder = tmp_path / "blobs" / "template-assets"
    return sorted(path.name for path in folder.glob("*")) if folder.exists() else []


# --- stored ------------------------------------------------------------------------------------


async def test_a_new_template_with_a_component_is_stored_and_previews(
    client: httpx.AsyncClient, planner: Staff, comms: Staff, gltf_validator: Any
) -> None:
    response = await post(client, planner, form(signs_source(), ("info-sign.glb", sign_glb())))
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{URL}/sign-post?version=1"
    assert (body["id"], body["version"], body["builtin"], body["new_template"]) == (
        "sign-post",
        1,
        False,
        True,
    )
    assert body["assets"] == ["info-sign.glb"]
    assert body["carried_over"] == []
    assert body["versions"] == [1]
    assert body["title"]["fi"] == "Opastetaulu"
    assert set(body["params"]) == {"width", "signs"}

    listed = (await client.get(URL, headers=comms.headers)).json()["templates"]
    assert "sign-post" in [t["id"] for t in listed]

    preview = await client.get(body["model_url"] + "&signs=3&width=3", headers=comms.headers)
    assert preview.status_code == 303, preview.text
    glb = (await client.get(preview.headers["location"])).content
    assert glb.startswith(b"glTF")
    assert_valid_glb(gltf_validator.validate([glb])[0])


async def test_a_new_version_carries_over_its_components(
    client: httpx.AsyncClient, app: FastAPI, planner: Staff, admin: Staff, tmp_path: Path
) -> None:
    sign = sign_glb()
    first = await post(client, planner, form(signs_source(1), ("info-sign.glb", sign)))
    assert first.status_code == 201, first.text
    second = await post(client, admin, form(signs_source(2)))
    assert second.status_code == 201, second.text
    body = second.json()
    assert (body["version"], body["new_template"]) == (2, False)
    assert body["assets"] == body["carried_over"] == ["info-sign.glb"]
    assert body["versions"] == [1, 2]
    assert len(stored_blobs(tmp_path)) == 1  # one file, named by its content, shared

    versions = (await client.get(f"{URL}/sign-post/versions", headers=planner.headers)).json()
    assert [(v["version"], v["author_id"], v["assets"]) for v in versions["versions"]] == [
        (1, planner.user_id, ["info-sign.glb"]),
        (2, admin.user_id, ["info-sign.glb"]),
    ]
    source = await client.get(versions["versions"][1]["source_url"], headers=planner.headers)
    assert source.text == signs_source(2)
    preview = await client.get(f"{URL}/sign-post/model.glb?version=2", headers=planner.headers)
    assert preview.status_code == 303, preview.text
    with app.state.context.transaction() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "template.upload").order_by(AuditEntry.id)
        ).all()
        assert [(e.actor_id, e.target_id, e.details["version"]) for e in entries] == [
            (planner.user_id, "sign-post", 1),
            (admin.user_id, "sign-post", 2),
        ]
        assert entries[1].details["carried_over"] == ["info-sign.glb"]


async def test_a_session_login_uploads_with_its_csrf_token(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    csrf = await log_in(client, planner)
    files = form(signs_source(), ("info-sign.glb", sign_glb()))
    refused = await client.post(URL, files=files)
    assert refused.status_code == 403
    assert assert_error_shape(refused)["code"] == "csrf_failed"
    response = await client.post(URL, files=files, headers=csrf)
    assert response.status_code == 201, response.text


async def test_a_source_sent_as_text_and_in_json(client: httpx.AsyncClient, planner: Staff) -> None:
    source = (
        '{"format": "arservice/template@1", "id": "slab", "version": 1, "title": {"en": "Slab"},'
        ' "parts": [{"shape": "box", "size": [1, 0.1, 1]}]}'
    )
    response = await client.post(URL, data={"source": source}, headers=planner.headers)
    assert response.status_code == 201, response.text
    text = await client.get(f"{URL}/slab/versions/1/source", headers=planner.headers)
    assert text.headers["content-type"] == "application/json; charset=utf-8"
    assert text.text == source


# --- who may upload ----------------------------------------------------------------------------


async def test_only_planners_and_admins_upload(
    client: httpx.AsyncClient, app: FastAPI, comms: Staff
) -> None:
    before = stored_counts(app)
    files = form(signs_source(), ("info-sign.glb", sign_glb()))
    anonymous = await client.post(URL, files=files)
    assert anonymous.status_code == 401
    response = await post(client, comms, files)
    assert response.status_code == 403
    assert assert_error_shape(response)["code"] == "forbidden"
    assert stored_counts(app) == before


# --- refused, with every problem at once, and nothing written ----------------------------------


def _glb_in_millimetres() -> bytes:
    return box_glb((1800.0, 900.0, 600.0))


BAD_UPLOADS = [
    pytest.param(
        form("format: [unclosed\n"), "template_invalid", ["line 2, column 1"], id="not-yaml"
    ),
    pytest.param(
        form(
            signs_source()
            .replace("version: 1", "version: one")
            .replace("size: [=width, 0.1, 1.5]", "size: [1, 1]"),
            ("info-sign.glb", sign_glb()),
        ),
        "template_invalid",
        ["version", "parts[0].size"],
        id="schema-errors",
    ),
    pytest.param(
        form(signs_source()), "asset_invalid", ["assets[info-sign.glb]"], id="missing-asset"
    ),
    pytest.param(
        form(signs_source(), ("info-sign.glb", sign_glb()), ("extra.glb", sign_glb())),
        "asset_invalid",
        ["assets[extra.glb]"],
        id="unused-asset",
    ),
    pytest.param(
        form(signs_source(), ("info-sign.glb", sign_glb()), ("info-sign.glb", sign_glb())),
        "asset_invalid",
        ["assets[info-sign.glb]"],
        id="same-name-twice",
    ),
    pytest.param(
        form(
            signs_source(),
            ("info-sign.glb", sign_glb()),
            ("../info-sign.glb", sign_glb()),
            ("a/b.glb", sign_glb()),
            (".glb", sign_glb()),
        ),
        "asset_invalid",
        ["assets[../info-sign.glb]", "assets[a/b.glb]", "assets[.glb]"],
        id="traversal-names",
    ),
    pytest.param(
        form(signs_source(), ("info-sign.glb", b"PK\x03\x04 a zip, renamed")),
        "asset_invalid",
        ["assets[info-sign.glb]"],
        id="not-a-glb",
    ),
    pytest.param(
        form(signs_source(), ("info-sign.glb", sign_glb()[:700])),
        "asset_invalid",
        ["assets[info-sign.glb]"],
        id="truncated-glb",
    ),
    pytest.param(
        form(signs_source(), ("info-sign.glb", _glb_in_millimetres())),
        "asset_invalid",
        ["assets[info-sign.glb]"],
        id="millimetres",
    ),
    pytest.param(
        form(signs_source(), ("info-sign.glb", box_glb((2.0, 1.0, 1.0), materials=11))),
        "asset_invalid",
        ["assets[info-sign.glb]"],
        id="eleven-materials",
    ),
    pytest.param(
        form(
            signs_source().replace("default: 2,", "default: 9,"),
            ("info-sign.glb", b"glTF"),
            ("unused.glb", sign_glb()),
        ),
        "template_invalid",
        # A template that does not load cannot say which files it uses: unused.glb waits.
        ["params.width.default", "assets[info-sign.glb]"],
        id="template-and-files",
    ),
    pytest.param(
        form(
            signs_source().replace(
                "parts:", "checks: [{assert: =width > 5, message: {en: Narrow}}]\nparts:"
            ),
            ("info-sign.glb", sign_glb()),
        ),
        "build_failed",
        ["checks[0]"],
        id="cannot-build",
    ),
    pytest.param(form(b"\xff\xfe\x00t"), "template_invalid", [], id="not-utf-8"),
    pytest.param(
        form(None, ("info-sign.glb", sign_glb())), "input_invalid", ["source"], id="no-source"
    ),
]


@pytest.mark.parametrize(("files", "code", "expected_locs"), BAD_UPLOADS)
async def test_a_bad_upload_is_refused_with_every_problem_and_writes_nothing(
    client: httpx.AsyncClient,
    app: FastAPI,
    planner: Staff,
    tmp_path: Path,
    files: Files,
    code: str,
    expected_locs: list[str],
) -> None:
    before = stored_counts(app)
    response = await post(client, planner, files)
    assert response.status_code == 422, response.text
    error = assert_error_shape(response)
    assert error["code"] == code
    assert [item["loc"] for item in error["items"]] == expected_locs
    assert stored_counts(app) == before
    assert stored_blobs(tmp_path) == []


async def test_each_problem_in_the_template_text_names_its_line(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    """``line`` is where the place is in the uploaded text (for the staff UI's marks and for
    scripts); a component file's problem has none; a syntax error has its own."""
    source = (
        signs_source()
        .replace("version: 1", "version: one")
        .replace("size: [=width, 0.1, 1.5]", "size: [1, 1]")
    )
    response = await post(client, planner, form(source, ("info-sign.glb", b"glTF")))
    items = {item["loc"]: item for item in assert_error_shape(response)["items"]}
    lines = source.splitlines()
    assert lines[items["version"]["line"] - 1].startswith("version: one")
    assert "size: [1, 1]" in lines[items["parts[0].size"]["line"] - 1]
    assert "line" not in items["assets[info-sign.glb]"]

    built = signs_source().replace(
        "parts:", "checks: [{assert: =width > 5, message: {en: N}}]\nparts:"
    )
    response = await post(client, planner, form(built, ("info-sign.glb", sign_glb())))
    [check] = assert_error_shape(response)["items"]
    assert built.splitlines()[check["line"] - 1].startswith("checks:")

    response = await post(client, planner, form("format: [unclosed\n"))
    [syntax] = assert_error_shape(response)["items"]
    assert syntax["line"] == 2


async def test_messages_say_what_to_do(client: httpx.AsyncClient, planner: Staff) -> None:
    response = await post(
        client, planner, form(signs_source(), ("info-sign.glb", _glb_in_millimetres()))
    )
    [item] = assert_error_shape(response)["items"]
    assert item["message"] == (
        "the model is 1800 m on its longest side: it looks like it is in millimetres or "
        "centimetres; export it in metres (1 unit = 1 metre)"
    )
    response = await post(client, planner, form(signs_source()))
    [item] = assert_error_shape(response)["items"]
    assert item["message"].startswith("parts[1].asset uses this file, but it is not uploaded")
    response = await post(client, planner, form(b"\xff\xfe\x00t"))
    assert assert_error_shape(response)["message"] == "the template must be UTF-8 text"
    response = await post(client, planner, form(None))
    assert assert_error_shape(response)["items"] == [
        {
            "loc": "source",
            "message": "the template file is missing: send it as the form field 'source' "
            "(multipart/form-data)",
        }
    ]


async def test_a_taken_version_is_a_conflict(
    client: httpx.AsyncClient, app: FastAPI, planner: Staff
) -> None:
    files = form(signs_source(3), ("info-sign.glb", sign_glb()))
    assert (await post(client, planner, files)).status_code == 201
    before = stored_counts(app)
    response = await post(client, planner, files)
    assert response.status_code == 409
    error = assert_error_shape(response)
    assert error["code"] == "conflict"
    assert error["items"] == [
        {
            "loc": "version",
            "message": "template 'sign-post' has version 3 already; give version 4 to add a new "
            "version",
        }
    ]
    assert stored_counts(app) == before


async def test_the_form_itself_is_checked(client: httpx.AsyncClient, planner: Staff) -> None:
    source = ("source", ("a.yaml", signs_source().encode(), "application/yaml"))
    response = await post(
        client,
        planner,
        [source, source, ("asset", ("info-sign.glb", sign_glb(), "model/gltf-binary"))],
        data={"assets": "not a file"},
    )
    assert response.status_code == 422
    assert [item["loc"] for item in assert_error_shape(response)["items"]] == [
        "source",
        "assets",
        "asset",
    ]
    response = await client.post(URL, json={"source": "x"}, headers=planner.headers)
    assert response.status_code == 422
    assert [item["loc"] for item in assert_error_shape(response)["items"]] == ["source"]


async def test_a_component_past_10_mb_is_refused(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, secret_key=TEST_SECRET, demo_ideas=False, max_upload_bytes=12 * 2**20
    )
    app = create_app(settings, blobs=LocalBlobStore(tmp_path / "blobs"))
    planner = add_staff(app, Role.PLANNER)
    big = sign_glb() + b"\0" * (10 * 2**20)
    async with client_for(app) as client:
        response = await post(client, planner, form(signs_source(), ("info-sign.glb", big)))
    assert response.status_code == 422
    [item] = assert_error_shape(response)["items"]
    assert item["loc"] == "assets[info-sign.glb]"
    size = f"{len(big):,}"
    assert item["message"].startswith(f"the file is {size} bytes; the limit is 10,485,760 bytes")


async def test_a_request_past_the_upload_limit_is_413(
    client: httpx.AsyncClient, app: FastAPI, planner: Staff
) -> None:
    big = b"\0" * (10 * 2**20 + 1)
    response = await post(client, planner, form(signs_source(), ("info-sign.glb", big)))
    assert response.status_code == 413
    assert assert_error_shape(response)["code"] == "payload_too_large"
