"""A replica killed outright (SIGKILL: no cleanup, no last flush) in the middle of its work, then
started again on the same database and files (SQLite and the local blob store here).

- During a publish, after the build has begun writing files: the idea is not half-published,
  every artifact row names a whole blob of the recorded size, a temporary file the kill left
  behind is never served, and the same publish then succeeds.
- During a burst of scans: the counts stored afterwards are never more than were answered, and
  at most the scans answered in the last flush interval (plus one flush's own duration) before
  the kill are lost, as docs/scans.md promises; a graceful stop (SIGTERM) loses none.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from arservice.services import accounts
from arservice.store import repositories as repo
from arservice.store.db import make_engine, session_factory
from arservice.store.models import Artifact, Idea, Role, User
from tests.web.conftest import staff_password_hash
from tests.web.test_serve import ARSERVICE, free_port, wait_for

pytestmark = pytest.mark.sqlite_only("one server process on its own SQLite file, killed")

FLUSH_SECONDS = 0.5
FLUSH_SLACK_SECONDS = 0.5
"""A flush takes the counts out of memory when it starts and commits a moment later: scans
answered during that moment are lost with the process too."""
BIG = {"id": "outdoor-gym", "version": 1, "params": {"stations": 8, "layout": "ring"}}
IPHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)"}
THREADS = 8


@dataclass
class Server:
    data: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARSERVICE_")}
        env.update(
            ARSERVICE_DATA_DIR=str(self.data),
            ARSERVICE_DEMO_IDEAS="false",
            ARSERVICE_SCAN_FLUSH_SECONDS=str(FLUSH_SECONDS),
            ARSERVICE_SECRET_KEY="k" * 40,
        )
        command = [str(ARSERVICE), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        # The output to a file: a pipe nobody reads fills up (the access log) and stalls it.
        with (self.data.parent / "server.log").open("a") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
            )
        assert wait_for(f"{self.url}/readyz", self.process).status_code == 200  # type: ignore[arg-type]

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=60)
        assert self.process.returncode == -signal.SIGKILL

    def stop(self) -> str:
        """SIGTERM (a graceful stop); the output, which must hold no traceback."""
        if self.process is None or self.process.returncode is not None:
            return ""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        output = (self.data.parent / "server.log").read_text()
        assert "Traceback" not in output, output
        return output


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path / "data")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def engine(server: Server) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{server.data / 'arservice.db'}")
    yield engine
    engine.dispose()


def _planner(engine: Engine) -> dict[str, str]:
    with session_factory(engine, write=True).begin() as session:
        user = User(
            email="planner@example.org",
            display_name="Planner",
            role=Role.PLANNER,
            password_hash=staff_password_hash(),
        )
        session.add(user)
        session.flush()
        return {"Authorization": f"Bearer {accounts.create_token(session, user, 'kill').secret}"}


def _files(directory: Path) -> set[str]:
    return {entry.name for entry in os.scandir(directory)} if directory.is_dir() else set()


def _kill_when_a_file_appears(server: Server, directory: Path, before: set[str]) -> set[str]:
    """SIGKILL as soon as the build has written (or begun writing) a file; the new names."""
    while True:
        new = _files(directory) - before
        if new:
            server.kill()
            return new
        assert server.process is not None
        assert server.process.poll() is None, "the server ended by itself"
        time.sleep(0.001)


def test_a_kill_during_a_publish_leaves_no_half_published_idea(
    server: Server, engine: Engine
) -> None:
    planner = _planner(engine)
    body = {"slug": "iso-kuntosali", "title": {"en": "A big gym"}, "template": BIG}
    created = httpx.post(f"{server.url}/api/v1/ideas", json=body, headers=planner, timeout=120)
    assert created.status_code == 201, created.text
    artifacts = server.data / "blobs" / "artifacts"
    before = _files(artifacts)
    answer: list[object] = []

    def publish() -> None:
        try:
            answer.append(
                httpx.post(
                    f"{server.url}/api/v1/ideas/iso-kuntosali/publish", headers=planner, timeout=300
                )
            )
        except httpx.TransportError as cut:
            answer.append(cut)

    thread = threading.Thread(target=publish)
    thread.start()
    written = _kill_when_a_file_appears(server, artifacts, before)
    thread.join()
    assert isinstance(answer[0], httpx.TransportError), "killed before it answered"
    assert written

    server.start()  # the same data directory and database, a new process
    with session_factory(engine).begin() as session:
        idea = session.scalars(select(Idea).where(Idea.slug == "iso-kuntosali")).one()
        assert idea.status.value == "draft", "not half-published"
        assert (idea.glb_sha256, idea.usdz_sha256, idea.png_sha256) == (None, None, None)
        rows = session.scalars(select(Artifact)).all()
    for row in rows:  # no row names a missing or partial blob
        blob = server.data / "blobs" / row.blob_key
        assert blob.is_file(), row
        assert blob.stat().st_size == row.size, row
    for name in _files(artifacts) - before:
        if name.startswith(".tmp-"):  # a file the kill cut short: never served
            assert httpx.get(f"{server.url}/a/{name}").status_code == 404
        else:  # a whole file, renamed into place: served as it is
            assert httpx.get(f"{server.url}/a/{name}").status_code == 200
    assert httpx.get(f"{server.url}/i/iso-kuntosali").status_code == 404, "still a draft"

    published = httpx.post(
        f"{server.url}/api/v1/ideas/iso-kuntosali/publish", headers=planner, timeout=300
    )
    assert published.status_code == 200, published.text
    for url in published.json()["artifacts"].values():
        path = "/a/" + url.rsplit("/a/", 1)[1]
        response = httpx.get(server.url + path, timeout=60)
        assert response.status_code == 200
        sha256, ext = path.rsplit("/", 1)[1].split(".")
        assert (artifacts / f"{sha256}.{ext}").read_bytes() == response.content


def _stored(engine: Engine, code: str) -> int:
    with session_factory(engine).begin() as session:
        ids = {row.id for row in repo.list_qr_codes(session) if row.code == code}
        return sum(row.count for row in repo.scan_counts(session) if row.code_id in ids)


def _burst(server: Server, code: str, stop: threading.Event, answered: list[float]) -> None:
    """Scan from several threads until ``stop`` (or the server is gone); the monotonic time of
    each 302 received is appended to ``answered``."""
    lock = threading.Lock()

    def scan() -> None:
        with httpx.Client(base_url=server.url, headers=IPHONE, timeout=30) as client:
            while not stop.is_set():
                try:
                    status = client.get(f"/q/{code}").status_code
                except httpx.TransportError:
                    return  # the server is gone
                assert status == 302
                with lock:
                    answered.append(time.monotonic())

    with ThreadPoolExecutor(THREADS) as pool:
        for failure in [pool.submit(scan) for _ in range(THREADS)]:
            failure.result()


def _new_code(engine: Engine) -> str:
    with session_factory(engine, write=True).begin() as session:
        return repo.create_qr_code(session, target_url="https://example.org/park").code


def test_a_kill_during_a_burst_of_scans_loses_at_most_the_last_flush_interval(
    server: Server, engine: Engine
) -> None:
    code = _new_code(engine)
    stop = threading.Event()
    answered: list[float] = []
    burst = threading.Thread(target=_burst, args=(server, code, stop, answered))
    burst.start()
    while len(answered) < 50 and burst.is_alive():  # some flushes have happened meanwhile
        time.sleep(0.05)
    time.sleep(3 * FLUSH_SECONDS)
    killed_at = time.monotonic()
    server.kill()
    stop.set()
    burst.join()

    server.start()
    stored = _stored(engine, code)
    window = FLUSH_SECONDS + FLUSH_SLACK_SECONDS
    recent = sum(1 for moment in answered if moment > killed_at - window)
    assert stored > 0, "earlier flushes were stored"
    assert stored <= len(answered), "nothing counted twice, nothing invented"
    assert len(answered) - stored <= recent, (
        f"lost {len(answered) - stored} scans; {recent} were answered in the last {window} s"
    )


def test_a_graceful_stop_during_a_burst_of_scans_loses_none(server: Server, engine: Engine) -> None:
    code = _new_code(engine)
    stop = threading.Event()
    answered: list[float] = []
    burst = threading.Thread(target=_burst, args=(server, code, stop, answered))
    burst.start()
    while len(answered) < 200 and burst.is_alive():
        time.sleep(0.05)
    stop.set()
    burst.join()
    server.stop()  # SIGTERM: the last flush
    assert _stored(engine, code) == len(answered)
