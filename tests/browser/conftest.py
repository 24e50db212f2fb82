"""Real headless Chromium against the real service on a loopback port.

- ``server``: ``arservice serve`` in a subprocess on a free port of 127.0.0.1, on its own data
  directory, with the demo ideas (four published ideas in fi / sv / en) and one whose model has
  a texture, a campaign (:data:`CAMPAIGN`) of two of them, ``base_url`` set to where it listens
  and :data:`DECIDIM` allowed to frame ``/embed/``, as a city would set them.
- ``browser``: Debian's chromium (``/usr/bin/chromium``, or ``ARSERVICE_CHROMIUM``), launched
  by Playwright with flags that keep it off the network it would otherwise try (Google's update,
  sync and field-trial hosts), and SwiftShader for WebGL (there is no GPU).
- ``open_page(path, **context_options)``: a new context and page, watched: every request's URL,
  console errors, uncaught exceptions and CSP violations are kept in a :class:`Watch`.

Screenshots go to ``out/browser/`` in the checkout (``ARSERVICE_TEST_ARTIFACTS`` to change it;
ignored by git).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)
from pydantic import SecretStr

from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.models import PosterSize, Role
from arservice.web import create_app
from tests.services.test_uploads import sign_glb
from tests.support.environment import server_environment
from tests.web.conftest import add_staff

if TYPE_CHECKING:
    from tests.conftest import TestDatabases

REPO = Path(__file__).parents[2]
CHROMIUM = Path(os.environ.get("ARSERVICE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARSERVICE = Path(sys.executable).parent / "arservice"
EXPECT_TIMEOUT_MS = 20_000
"""How long an ``expect`` waits for the page to get there (Playwright's default is 5 s). A bound
on waiting, not a speed test: a shared 2-core machine running the suite beside other work has
taken longer than 5 s to validate an upload and render the answer."""
expect.set_options(timeout=EXPECT_TIMEOUT_MS)
START_TIMEOUT_SECONDS = 60
ARTIFACTS = Path(os.environ.get("ARSERVICE_TEST_ARTIFACTS", REPO / "out" / "browser"))
WATCH_SCRIPT = """
window.__arservice = {loaded: 0, violations: []};
document.addEventListener('load', (event) => {
  if (event.target && event.target.tagName === 'MODEL-VIEWER') window.__arservice.loaded += 1;
}, true);
document.addEventListener('securitypolicyviolation', (event) => {
  window.__arservice.violations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    base_url: str

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"


DECIDIM = "https://omastadi.example.org"
"""The Decidim site allowed to frame /embed/ (its pages are answered by the tests themselves)."""
CAMPAIGN = "kevat-2024"
CAMPAIGN_IDEAS = ("kapylan-ulkokuntosali", "myllypuron-koripallokentta")
TEXTURED = "textured-sign"
"""An idea whose model has a texture (an uploaded GLB), besides the demo ideas."""
SECRET_KEY = "browser-tests-" + "s" * 40


def planner_headers(
    data_dir: Path, base_url: str, database_url: str | None = None
) -> dict[str, str]:
    """A new database with the demo ideas, :data:`CAMPAIGN` and a planner; the planner's API
    token headers."""
    settings = Settings(
        data_dir=data_dir, base_url=base_url, demo_ideas=True, secret_key=SecretStr(SECRET_KEY)
    )
    if database_url is not None:  # else the environment's, or a file in data_dir
        settings = settings.model_copy(update={"database_url": database_url})
    app = create_app(settings)
    headers = add_staff(app, Role.PLANNER).headers
    with app.state.context.transaction() as session:
        name = {"fi": "Kevään 2024 kyltit", "sv": "Vårens skyltar 2024", "en": "Spring 2024 signs"}
        campaign = repo.create_campaign(
            session,
            name=name,
            languages=["fi", "sv"],
            poster_size=PosterSize.A4,
            created_by_id=None,
            slug=CAMPAIGN,
        )
        for slug in CAMPAIGN_IDEAS:
            idea = repo.get_idea_by_slug(session, slug)
            assert idea is not None
            repo.add_campaign_entry(
                session, campaign, idea, repo.create_qr_code(session, target_idea_id=idea.id)
            )
    app.state.context.engine.dispose()
    return headers


def publish_textured(server: Server, headers: dict[str, str]) -> None:
    """:data:`TEXTURED`, published through the API as a planner would."""
    url = server.url(f"/api/v1/ideas/{TEXTURED}")
    with httpx.Client(headers=headers, timeout=60) as client:
        body = {"slug": TEXTURED, "title": {"en": "A sign with a picture"}}
        assert client.post(server.url("/api/v1/ideas"), json=body).status_code == 201
        glb = {"file": ("sign.glb", sign_glb(texture_px=64), "model/gltf-binary")}
        assert client.put(f"{url}/model", files=glb).status_code == 200
        assert client.post(f"{url}/publish").status_code == 200


def start_server(data_dir: Path, database_url: str | None = None) -> Iterator[Server]:
    """``arservice serve`` on a free loopback port, with the demo ideas and :data:`TEXTURED`,
    until the generator is closed; on ``database_url`` when given, else on the database the
    environment names (the test's own on PostgreSQL, a file in ``data_dir`` on SQLite)."""
    port = free_port()
    listen = f"http://127.0.0.1:{port}"
    data_dir.mkdir(parents=True, exist_ok=True)
    headers = planner_headers(data_dir, listen, database_url)
    env = server_environment()
    if database_url is not None:
        env["ARSERVICE_DATABASE_URL"] = database_url
    env.update(
        ARSERVICE_DATA_DIR=str(data_dir),
        ARSERVICE_BASE_URL=listen,
        ARSERVICE_DEMO_IDEAS="true",
        ARSERVICE_SECRET_KEY=SECRET_KEY,
        ARSERVICE_EMBED_ORIGINS=DECIDIM,
    )
    log = (data_dir / "server.log").open("w")
    command = [str(ARSERVICE), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT) as process:
        try:
            _wait_ready(f"{listen}/readyz", process, data_dir / "server.log")
            server = Server(listen)
            publish_textured(server, headers)
            yield server
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"arservice serve did not start:\n{log.read_text()}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, test_databases: TestDatabases | None
) -> Iterator[Server]:
    """The server most browser tests share. On PostgreSQL it gets a database of its own: the
    session's database may hold demo ideas that apps made at collection time published, with
    their files in other data directories (their previews would be 404s here)."""
    data_dir = tmp_path_factory.mktemp("browser-server")
    if test_databases is None:
        yield from start_server(data_dir)
        return
    name, url = test_databases.create()
    try:
        yield from start_server(data_dir, database_url=url)
    finally:
        test_databases.drop(name)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module: Playwright's sync API keeps an event loop running in this thread while it
    lives, and the async tests of the other packages need the thread to themselves."""
    if not CHROMIUM.is_file():
        pytest.skip(f"no chromium at {CHROMIUM}: `make test` installs it (Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What a page did: the URLs it asked for, its console errors and uncaught exceptions."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def other_origins(self, origin: str) -> list[str]:
        """Requests anywhere but ``origin`` (a ``blob:`` URL made by our page is ours)."""
        return [
            url for url in self.requests if not url.removeprefix("blob:").startswith(f"{origin}/")
        ]


@dataclass
class Opened:
    page: Page
    context: BrowserContext
    watch: Watch

    def violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("() => window.__arservice.violations")
        return found

    def wait_for_model(self, timeout_ms: int = 60_000) -> None:
        """Until model-viewer has fired ``load`` and shows the model (the poster is gone)."""
        self.page.wait_for_function(
            "() => window.__arservice.loaded > 0 && document.querySelector('model-viewer')"
            ".modelIsVisible",
            timeout=timeout_ms,
        )


OpenPage = Callable[..., Opened]


@pytest.fixture
def open_page(browser: Browser, server: Server) -> Iterator[OpenPage]:
    """``open_page("/i/slug?lang=fi", locale="fi-FI", ...)``: a watched page in a new context
    (the keywords are Playwright's context options); the context is closed after the test."""
    contexts: list[BrowserContext] = []

    def open_one(path: str, **options: Any) -> Opened:
        options.setdefault("viewport", {"width": 390, "height": 844})
        context = browser.new_context(**options)
        contexts.append(context)
        watch = Watch()
        context.on("request", lambda request: watch.requests.append(request.url))
        context.add_init_script(WATCH_SCRIPT)
        page = context.new_page()
        page.on("console", watch.on_console)
        page.on("pageerror", lambda error: watch.errors.append(f"exception: {error}"))
        if path:
            page.goto(server.url(path))
        return Opened(page, context, watch)

    yield open_one
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
