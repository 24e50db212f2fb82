"""The shipped nginx configuration (deploy/nginx/arservice.conf), run by Debian's nginx on
loopback in front of a real ``arservice serve``: artifacts answered from the directory exactly as
the app answers them (status, headers, bytes, 304), the rest passed through, no client address
in nginx's access log."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from arservice.services import accounts
from arservice.store import repositories as repo
from arservice.store.db import make_engine, session_factory
from arservice.store.models import Role, User
from tests.deploy.nginx import Nginx, NginxUnavailableError, free_port, nginx_binary
from tests.web.conftest import staff_password_hash
from tests.web.test_serve import ARSERVICE, wait_for

pytestmark = pytest.mark.sqlite_only("one app process on its own SQLite file behind nginx")

GYM = {"id": "outdoor-gym", "version": 1, "params": {"stations": 4}}
ARTIFACT_HEADERS = (
    "content-type",
    "etag",
    "cache-control",
    "x-content-type-options",
    "access-control-allow-origin",
)
NOT_COMPARED = {"date", "server", "connection", "keep-alive", "transfer-encoding", "content-length"}
"""Headers each server sets for itself (the connection's, the clock's, the framing)."""
IPHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)"}


@dataclass
class Site:
    app: str
    nginx: Nginx
    artifacts: dict[str, str]  # kind -> /a/<sha>.<ext>
    slug: str
    code: str


def _start_app(data: Path, port: int, public: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARSERVICE_")}
    env.update(
        ARSERVICE_DATA_DIR=str(data), ARSERVICE_DEMO_IDEAS="false", ARSERVICE_BASE_URL=public
    )
    command = [str(ARSERVICE), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _planner_token(database: Path) -> dict[str, str]:
    engine = make_engine(f"sqlite:///{database}")
    try:
        with session_factory(engine, write=True).begin() as session:
            user = User(
                email="planner@example.org",
                display_name="Planner",
                role=Role.PLANNER,
                password_hash=staff_password_hash(),
            )
            session.add(user)
            session.flush()
            token = accounts.create_token(session, user, "nginx").secret
        return {"Authorization": f"Bearer {token}"}
    finally:
        engine.dispose()


def _add_code(database: Path, slug: str) -> str:
    engine = make_engine(f"sqlite:///{database}")
    try:
        with session_factory(engine, write=True).begin() as session:
            idea = next(i for i in repo.list_published_ideas(session) if i.slug == slug)
            return repo.create_qr_code(session, target_idea_id=idea.id, lang="en").code
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    try:
        nginx_binary()
    except NginxUnavailableError as missing:  # make test installs nginx: missing is a failure
        pytest.fail(f"{missing}: `make test-packages` installs it")
    tmp = tmp_path_factory.mktemp("nginx-site")
    data, app_port, nginx_port = tmp / "data", free_port(), free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    process = _start_app(data, app_port, f"http://127.0.0.1:{nginx_port}")
    nginx = None
    try:
        assert wait_for(f"{app_url}/readyz", process).status_code == 200  # type: ignore[arg-type]
        planner = _planner_token(data / "arservice.db")
        body = {"slug": "kuntosali", "title": {"en": "A gym"}, "template": GYM}
        created = httpx.post(f"{app_url}/api/v1/ideas", json=body, headers=planner, timeout=60)
        assert created.status_code == 201, created.text
        published = httpx.post(
            f"{app_url}/api/v1/ideas/kuntosali/publish", headers=planner, timeout=300
        )
        assert published.status_code == 200, published.text
        artifacts = {
            kind: "/a/" + url.rsplit("/a/", 1)[1]
            for kind, url in published.json()["artifacts"].items()
        }
        code = _add_code(data / "arservice.db", "kuntosali")
        nginx = Nginx.start(
            tmp / "nginx",
            upstreams=[f"127.0.0.1:{app_port}"],
            artifacts=data / "blobs" / "artifacts",
            port=nginx_port,
        )
        yield Site(app_url, nginx, artifacts, "kuntosali", code)
    finally:
        if nginx is not None:
            nginx.stop()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
        assert "Traceback" not in output, output


def _both(site: Site, path: str, **kwargs: object) -> tuple[httpx.Response, httpx.Response]:
    """The app's own answer and nginx's, to the same request."""
    own = httpx.request(url=site.app + path, timeout=60, **kwargs)  # type: ignore[arg-type]
    via = httpx.request(url=site.nginx.url + path, timeout=60, **kwargs)  # type: ignore[arg-type]
    return own, via


def _proxied(site: Site, path: str) -> list[bool]:
    """For each access-log line of ``path``: whether nginx asked the app (an upstream time)."""
    lines = [line for line in site.nginx.access_log.read_text().splitlines() if f" {path} " in line]
    return [not line.endswith(" -") for line in lines]


def test_the_configuration_passes_nginx_t_and_serves_every_kind_of_artifact(site: Site) -> None:
    assert set(site.artifacts) >= {"glb", "usdz", "png"}


@pytest.mark.parametrize("kind", ["glb", "usdz", "png"])
def test_an_artifact_from_the_directory_is_the_apps_answer(site: Site, kind: str) -> None:
    path = site.artifacts[kind]
    own, via = _both(site, path, method="GET")
    assert own.status_code == via.status_code == 200
    assert via.content == own.content
    assert int(via.headers["content-length"]) == len(own.content)
    for name in ARTIFACT_HEADERS:
        assert via.headers.get(name) == own.headers.get(name), name
    sha256 = path.rsplit("/", 1)[1].split(".")[0]
    assert via.headers["etag"] == f'"{sha256}"', "the content hash, not nginx's mtime-size"
    assert "last-modified" not in via.headers
    assert "content-encoding" not in via.headers
    assert _proxied(site, path) == [False], "served from the directory, the app not asked"


def test_head_answers_the_same_headers_without_a_body(site: Site) -> None:
    path = site.artifacts["glb"]
    own, via = _both(site, path, method="HEAD")
    assert own.status_code == via.status_code == 200
    assert via.content == b""
    for name in (*ARTIFACT_HEADERS, "content-length"):
        assert via.headers.get(name) == own.headers.get(name), name


@pytest.mark.parametrize(
    "tag",
    ['"{sha}"', 'W/"{sha}"', '"{other}", "{sha}"', '"{other}",W/"{sha}"', "*"],
)
def test_if_none_match_with_the_artifacts_tag_answers_304(site: Site, tag: str) -> None:
    path = site.artifacts["glb"]
    sha256 = path.rsplit("/", 1)[1].split(".")[0]
    header = {"If-None-Match": tag.format(sha=sha256, other="a" * 64)}
    own, via = _both(site, path, method="GET", headers=header)
    assert own.status_code == via.status_code == 304
    assert via.content == b""
    for name in ("etag", "cache-control", "x-content-type-options", "access-control-allow-origin"):
        assert via.headers.get(name) == own.headers.get(name), name


@pytest.mark.parametrize("tag", ['"{other}"', '"{sha}x"', "{sha}", 'W/"{other}"'])
def test_if_none_match_with_another_tag_answers_the_whole_file(site: Site, tag: str) -> None:
    path = site.artifacts["png"]
    sha256 = path.rsplit("/", 1)[1].split(".")[0]
    header = {"If-None-Match": tag.format(sha=sha256, other="b" * 64)}
    own, via = _both(site, path, method="GET", headers=header)
    assert own.status_code == via.status_code == 200
    assert via.content == own.content


def test_if_modified_since_is_ignored_as_the_app_ignores_it(site: Site) -> None:
    path = site.artifacts["glb"]
    header = {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    own, via = _both(site, path, method="GET", headers=header)
    assert own.status_code == via.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/a/" + "0" * 64 + ".glb",  # a well-formed name with no file: the app's 404
        "/a/" + "0" * 64 + ".obj",  # an extension that is not an artifact's
        "/a/not-a-hash.png",
    ],
)
def test_a_missing_artifact_falls_back_to_the_apps_404(site: Site, path: str) -> None:
    own, via = _both(site, path, method="GET")
    assert own.status_code == via.status_code == 404
    assert via.headers["content-type"] == own.headers["content-type"] == "application/json"
    assert via.json() == own.json()
    assert via.json()["error"]["code"] == "not_found"
    assert _proxied(site, path) == [True]


def test_the_blob_stores_temporary_files_are_never_served(site: Site) -> None:
    directory = site.nginx.directory.parent / "data" / "blobs" / "artifacts"
    partial = directory / ".tmp-halfwritten.part"
    partial.write_bytes(b"half a model")
    try:
        for path in ("/a/.tmp-halfwritten.part", "/a/" + partial.name):
            assert httpx.get(site.nginx.url + path).status_code == 404
    finally:
        partial.unlink()


def _same_headers(own: httpx.Response, via: httpx.Response) -> None:
    names = {name for name in own.headers if name not in NOT_COMPARED}
    for name in names:
        assert via.headers.get(name) == own.headers.get(name), name
    assert {name for name in via.headers if name not in NOT_COMPARED} == names


def test_an_idea_page_passes_through_with_its_headers(site: Site) -> None:
    own, via = _both(site, f"/i/{site.slug}?lang=en", method="GET")
    assert own.status_code == via.status_code == 200
    _same_headers(own, via)
    assert "set-cookie" not in via.headers
    assert f'src="{site.nginx.url}/a/' in via.text, "links name the public address"


def test_a_scan_passes_through_and_is_a_no_store_redirect(site: Site) -> None:
    path = f"/q/{site.code}"
    own, via = _both(site, path, method="GET", headers=IPHONE)
    assert own.status_code == via.status_code == 302
    _same_headers(own, via)
    assert via.headers["cache-control"] == "no-store"


def test_the_api_answers_through_nginx_as_it_does_directly(site: Site) -> None:
    own, via = _both(site, "/api/v1/ideas/kuntosali", method="GET")
    assert own.status_code == via.status_code == 200
    assert via.json() == own.json()
    _same_headers(own, via)


def test_a_body_over_nginxs_limit_gets_a_json_413(site: Site) -> None:
    via = httpx.post(site.nginx.url + "/api/v1/ideas", content=b"x" * (13 * 1024 * 1024))
    assert via.status_code == 413
    assert via.json()["error"]["code"] == "payload_too_large"


def test_metrics_are_not_for_the_internet_but_for_loopback(site: Site) -> None:
    assert httpx.get(site.nginx.url + "/metrics").status_code == 200  # loopback is allowed


def test_the_access_log_holds_no_client_address_nor_user_agent(site: Site) -> None:
    httpx.get(site.nginx.url + f"/q/{site.code}", headers=IPHONE)
    text = site.nginx.access_log.read_text()
    assert f"/q/{site.code}" in text
    assert "127.0.0.1 " not in text
    assert not re.search(r"(^|\s)127\.0\.0\.1\s", text)
    assert "iPhone" not in text
    assert "python-httpx" not in text
