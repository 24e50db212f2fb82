"""The planners' template pages over HTTP: a template's versions with their authors, its source
(escaped: a template's text is never markup), the ideas using each version, the upload page
starting from the next version, option names from the materials' labels; and the idea editor's
stage, district, unpublish and model upload controls."""

from __future__ import annotations

import html
import json
import re

import httpx
import pytest

from arservice.web.admin.catalog import next_version_source
from tests.web.conftest import Staff
from tests.web.test_admin_pages import page_login
from tests.web.test_ideas import URL, create, idea

pytestmark = pytest.mark.anyio

SIGN = """format: arservice/template@1
id: sign-post
version: 1
title: {en: "Sign <script>alert(1)</script>"}
params:
  width: {type: length, min: 1, max: 3, default: 2, label: {en: Width}}
  surface: {type: choice, options: [rubber, grass, my-own], default: rubber}
parts:
  - {name: board, shape: box, size: [=width, 1, 0.1], at: [0, 1, 0], material: =surface}
"""


async def upload(client: httpx.AsyncClient, who: Staff, source: str) -> httpx.Response:
    return await client.post(
        "/api/v1/templates",
        files={"source": ("t.yaml", source.encode())},
        headers=who.headers,
    )


async def test_a_templates_page_shows_versions_authors_source_and_the_ideas_using_them(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    assert (await upload(client, planner, SIGN)).status_code == 201
    await create(client, planner, idea(slug="old-sign", template={"id": "sign-post"}))
    second = SIGN.replace("version: 1", "version: 2")
    assert (await upload(client, planner, second)).status_code == 201
    await create(client, planner, idea(slug="new-sign", template={"id": "sign-post"}))
    await page_login(client, planner)

    page = await client.get("/admin/templates/sign-post?lang=en")

    assert page.status_code == 200
    text = page.text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    versions = re.findall(r'<tr data-version="(\d+)"', text)
    assert versions == ["2", "1"]
    assert text.count("<td>Test planner</td>") == 2  # the author of each version
    uses = dict(
        re.findall(r'<tr data-idea="([a-z-]+)".*?<td data-idea-version>(\d+)</td>', text, re.S)
    )
    assert uses == {"old-sign": "1", "new-sign": "2"}
    assert text.count("data-move>") == 1  # only the idea on the old version may move
    assert 'data-newest="2"' in text
    assert 'id="source"' in text
    assert "version: 2" in html.unescape(text)
    older = await client.get("/admin/templates/sign-post?version=1&lang=en")
    assert "Source of version 1" in older.text
    labels = json.loads(html.unescape(re.search(r'data-option-labels="([^"]*)"', text)[1]))
    assert labels["rubber"]["en"]  # the material library's labels
    assert labels["grass"]["fi"]
    assert "my-own" not in labels  # no material of that name: params.js makes it readable


async def test_an_idea_moves_to_the_newest_version_through_the_api(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    await upload(client, planner, SIGN)
    await create(
        client, planner, idea(slug="sign", template={"id": "sign-post", "params": {"width": 2.5}})
    )
    await upload(client, planner, SIGN.replace("version: 1", "version: 2"))
    moved = await client.patch(
        f"{URL}/sign",
        json={"template": {"id": "sign-post", "version": 2, "params": {"width": 2.5}}},
        headers=planner.headers,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["template"] == {
        "id": "sign-post",
        "version": 2,
        "params": {"width": 2.5, "surface": "rubber"},
    }


async def test_the_upload_page_starts_from_the_next_version(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    await page_login(client, planner)
    blank = await client.get("/admin/templates/upload?lang=en")
    assert blank.status_code == 200
    assert re.search(r'<textarea id="source-text"[^>]*>\s*</textarea>', blank.text, re.S)
    start = await client.get("/admin/templates/upload?id=outdoor-gym&lang=en")
    assert start.status_code == 200
    assert re.search(r"^version: 2$", html.unescape(start.text), re.M)
    missing = await client.get("/admin/templates/upload?id=no-such-template")
    assert missing.status_code == 404


def test_the_next_version_is_set_in_yaml_and_json() -> None:
    assert next_version_source("id: a\nversion: 3\nx: 1\n", 3) == "id: a\nversion: 4\nx: 1\n"
    assert next_version_source('{"id": "a", "version": 3}', 3) == '{"id": "a", "version": 4}'
    assert next_version_source("id: a\n", 1) == "id: a\n"


@pytest.mark.parametrize(
    "path", ["/admin/templates/upload", "/admin/templates/outdoor-gym", "/admin/templates"]
)
async def test_comms_are_refused_the_template_pages(
    client: httpx.AsyncClient, comms: Staff, path: str
) -> None:
    await page_login(client, comms)
    refused = await client.get(path)
    assert refused.status_code == 403
    assert "template-upload.js" not in refused.text
    assert "template-page.js" not in refused.text


async def test_the_editor_has_stage_district_unpublish_and_a_model_upload(
    client: httpx.AsyncClient, planner: Staff
) -> None:
    await create(
        client,
        planner,
        idea(slug="kapyla", stage="building", district={"fi": "Käpylä", "sv": "Kottby"}),
    )
    await page_login(client, planner)
    page = (await client.get("/admin/ideas/kapyla?lang=en")).text
    assert re.search(r'<option value="building" selected>', page)
    assert 'value="Käpylä"' in page
    assert 'value="Kottby"' in page
    assert re.search(r'id="district-en"[^>]*value=""', page, re.S)
    assert re.search(r'<button type="button" id="unpublish" hidden>', page)  # a draft
    assert 'id="model-file"' in page
    assert "model-upload.js" in page
    await client.post(f"{URL}/kapyla/publish", headers=planner.headers)
    shown = (await client.get("/admin/ideas/kapyla?lang=en")).text
    assert re.search(r'<button type="button" id="unpublish">', shown)
    filtered = await client.get("/admin/ideas?stage=building&district=Käpylä&lang=fi")
    assert "kapyla" in filtered.text
    other = await client.get("/admin/ideas?stage=built&lang=fi")
    assert "/admin/ideas/kapyla" not in other.text
