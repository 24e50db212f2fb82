"""The viewer's files: served from our origin under content-hashed names, cached for a year,
compressed when asked; model-viewer's inline style found for the CSP."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest

from arservice.web.static import FILES, FOLDERS, StaticAssets, inline_style_hashes

pytestmark = pytest.mark.anyio

ASSETS = StaticAssets.load()
URLS = [
    *(ASSETS.url(name) for name in FILES),
    *(
        f"{ASSETS.url(folder + '/')}{name}"
        for folder, (_, names) in FOLDERS.items()
        for name in names
    ),
]


@pytest.mark.parametrize("url", URLS)
async def test_every_file_is_ours_and_cached_for_a_year(
    client: httpx.AsyncClient, url: str
) -> None:
    assert re.fullmatch(r"/static/[0-9a-f]{16}/[\w./-]+", url)
    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    expected = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    kind = expected.get(url[url.rindex(".") :], "application/wasm")
    assert response.headers["content-type"].startswith(kind)


async def test_a_file_under_another_hash_is_not_found(client: httpx.AsyncClient) -> None:
    url = ASSETS.url("viewer.js")
    response = await client.get(re.sub(r"/static/\w+/", "/static/0123456789abcdef/", url))
    assert response.status_code == 404
    assert (await client.get("/static/x/../../pyproject.toml")).status_code == 404


async def test_text_is_compressed_when_asked_and_binaries_never(client: httpx.AsyncClient) -> None:
    gz = {"Accept-Encoding": "gzip"}
    script = await client.get(ASSETS.url("model-viewer.min.js"), headers=gz)
    assert script.headers["content-encoding"] == "gzip"
    assert script.num_bytes_downloaded < len(script.content) / 3
    plain = await client.get(ASSETS.url("viewer.js"), headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    wasm = await client.get(ASSETS.url("draco/") + "draco_decoder.wasm", headers=gz)
    assert "content-encoding" not in wasm.headers


def test_the_names_change_when_the_bytes_do(tmp_path: Path) -> None:
    root = tmp_path / "viewer"
    paths = [*FILES.values()]
    paths += [f"{folder}/{name}" for folder, names in FOLDERS.values() for name in names]
    for relative in paths:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("<style>one</style>")
    before = StaticAssets.load(root)
    (root / FILES["viewer.css"]).write_text("two")
    after = StaticAssets.load(root)
    assert before.url("viewer.css") != after.url("viewer.css")
    assert before.url("viewer.js") == after.url("viewer.js")


def test_model_viewers_one_inline_style_is_allowed_by_its_hash() -> None:
    """The hash is of the text between the tags, as the browser hashes the element's text."""
    text = "\n:host {\n  display: block;\n}\n"
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    assert inline_style_hashes(f"html`<style>{text}</style><div></div>`") == (f"'sha256-{digest}'",)
    assert inline_style_hashes("<style>a</style><style>b</style>") is None
    assert inline_style_hashes("<style>${width}</style>") is None
    assert inline_style_hashes("no style at all") is None
    assert ASSETS.style_hashes is not None  # the installed model-viewer's is found


async def test_the_api_docs_page_takes_nothing_from_other_sites(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    sources += re.findall(r"url: '([^']+)'", response.text)
    assert sources, response.text
    assert all(source.startswith("/") for source in sources), sources
    for source in sources:
        fetched = await client.get(source)
        assert fetched.status_code == 200, source
    assert (await client.get("/redoc")).status_code == 404
