"""``embed_origins``: the sites that may frame ``/embed/{slug}``. Each must be an https origin (or
http on localhost, for development); they go into the embed page's ``frame-ancestors`` and
nowhere else."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from arservice.settings import Settings
from arservice.store.blobs import LocalBlobStore
from arservice.web import create_app
from tests.web.conftest import TEST_SECRET, client_for
from tests.web.test_pages import csp

pytestmark = pytest.mark.anyio

GYM = "kapylan-ulkokuntosali"


def test_no_site_may_frame_the_embed_page_by_default() -> None:
    assert Settings().embed_origins == []


def test_the_environment_lists_origins_separated_by_commas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "ARSERVICE_EMBED_ORIGINS",
        " https://OmaStadi.hel.fi/, https://decidim.example.org:8443,http://localhost:3000 "
        "https://omastadi.hel.fi",
    )
    assert Settings().embed_origins == [
        "https://omastadi.hel.fi",
        "https://decidim.example.org:8443",
        "http://localhost:3000",
    ]


@pytest.mark.parametrize("value", ["", " ", ","])
def test_an_empty_variable_names_no_site(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ARSERVICE_EMBED_ORIGINS", value)
    assert Settings().embed_origins == []


@pytest.mark.parametrize(
    "value",
    [
        "http://omastadi.hel.fi",  # plain http on the internet
        "https:",  # any https site: looser than the setting is for
        "*",
        "https://*.hel.fi",
        "https://omastadi.hel.fi/processes",  # a path is not an origin
        "https://omastadi.hel.fi?x=1",
        "https://user@omastadi.hel.fi",
        "https://omastadi.hel.fi:99999",
        "https://omastadi.hel.fi;script-src",  # would end the CSP directive
        "'self'",
        "ftp://omastadi.hel.fi",
        "https://äänestys.fi",  # give it as xn--
        "omastadi.hel.fi",
    ],
)
def test_anything_but_an_https_origin_stops_the_start_with_its_name(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ARSERVICE_EMBED_ORIGINS", f"https://ok.example.org,{value}")
    with pytest.raises(ValidationError) as error:
        Settings()
    text = str(error.value)
    assert "embed_origins" in text
    assert repr(value) in text  # which one
    assert "https://host" in text  # and what to give instead


async def test_the_embed_page_names_the_configured_sites_and_the_others_stay_unframed(
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        secret_key=TEST_SECRET,
        demo_ideas=True,
        embed_origins=["https://omastadi.hel.fi", "http://localhost:3000"],
    )
    app = create_app(settings, blobs=LocalBlobStore(tmp_path / "blobs"))
    async with client_for(app) as client:
        embed = await client.get(f"/embed/{GYM}")
        assert csp(embed)["frame-ancestors"] == (
            "'self' https://omastadi.hel.fi http://localhost:3000"
        )
        for url in ("/", f"/i/{GYM}", "/?district=keskinen", "/i/no-such-idea"):
            response: httpx.Response = await client.get(url)
            assert csp(response)["frame-ancestors"] == "'none'", url
            assert response.headers["x-frame-options"] == "DENY", url
        missing = await client.get("/embed/no-such-idea")
        assert missing.status_code == 404
        assert csp(missing)["frame-ancestors"].startswith("'self' https://omastadi.hel.fi")
