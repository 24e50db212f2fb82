"""Two replicas behave as one: two ``arservice serve`` processes on one PostgreSQL database, one
data directory (the blobs) and one secret key, as behind a load balancer.

- They start one after the other (a rolling deployment) on a new database; started at the same
  moment both must start too (the startup writes take turns: ``db.lock_startup``).
- A session cookie from one is valid on the other (the cookie is signed with the shared key
  and names a user both read from the database).
- Scans from bursts on both, from many threads, are counted exactly once each: each process
  keeps its counts in memory and adds them (an upsert that increments) at its flush.
- A model published through one is served by the other, page and files.
- Two ideas with the same model published through both at the same instant share one set of
  files: each process builds it at most once, the database keeps one row per file (the loser
  of the race to record it takes the winner's), and a file written twice is written whole
  each time (a temporary file renamed into place) with the same content address.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from arservice.services import accounts
from arservice.store import repositories as repo
from arservice.store.db import make_engine, session_factory
from arservice.store.models import ArtifactKind, Role, User
from tests.web.conftest import STAFF_PASSWORD, staff_password_hash
from tests.web.test_serve import ARSERVICE, free_port, wait_for

pytestmark = pytest.mark.postgresql_only("replicas share a database server; SQLite is one file")

SECRET_KEY = "replicas-share-this-key-" + "r" * 32
STOP_TIMEOUT_SECONDS = 60
THREADS = 8
IPHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)"}
ANDROID = {"User-Agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile"}
GYM = {"id": "outdoor-gym", "version": 1, "params": {"stations": 5, "layout": "ring"}}


@dataclass(frozen=True)
class Replica:
    url: str
    process: subprocess.Popen[str]

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=120, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", timeout=300, **kwargs)  # type: ignore[arg-type]


@dataclass
class Cluster:
    replicas: list[Replica]
    engine: Engine
    outputs: list[str]

    def stop(self) -> None:
        """Stop every replica with SIGTERM (a graceful stop: the last flush), once."""
        if not self.outputs:
            self.outputs.extend(_stop(replica) for replica in self.replicas)


def _start(database_url: str, data: Path) -> Replica:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARSERVICE_")}
    env.update(
        ARSERVICE_DATABASE_URL=database_url,
        ARSERVICE_DATA_DIR=str(data),
        ARSERVICE_SECRET_KEY=SECRET_KEY,
        ARSERVICE_DEMO_IDEAS="true",
        ARSERVICE_SCAN_FLUSH_SECONDS="0.5",
    )
    command = [str(ARSERVICE), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return Replica(f"http://127.0.0.1:{port}", process)


def _stop(replica: Replica) -> str:
    if replica.process.returncode is not None:
        return ""  # stopped before, its output told then
    replica.process.send_signal(signal.SIGTERM)
    try:
        output, _ = replica.process.communicate(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        replica.process.kill()
        output, _ = replica.process.communicate()
    return output


def _wait_ready(replica: Replica) -> None:
    try:
        ready = wait_for(f"{replica.url}/readyz", replica.process).status_code == 200  # type: ignore[arg-type]
    except httpx.TransportError:
        ready = False
    assert ready, f"a replica did not start:\n{_stop(replica)}"


@contextmanager
def _cluster(database_url: str, data: Path, *, together: bool) -> Iterator[Cluster]:
    """Two replicas on ``database_url`` and ``data``: started at the same moment, or the
    second once the first is ready (a rolling deployment); stopped with SIGTERM at the end."""
    engine = make_engine(database_url)
    replicas = [_start(database_url, data)]
    cluster = Cluster(replicas, engine, [])
    try:
        if not together:
            _wait_ready(replicas[0])
        replicas.append(_start(database_url, data))
        for replica in replicas:
            _wait_ready(replica)
        yield cluster
    finally:
        cluster.stop()
        engine.dispose()
    for replica, output in zip(replicas, cluster.outputs, strict=True):
        assert replica.process.returncode in (0, -signal.SIGTERM), output
        assert "Traceback" not in output, output


@pytest.fixture
def cluster(database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    with _cluster(database_url, tmp_path / "data", together=False) as cluster:
        yield cluster


def _planner(engine: Engine) -> tuple[str, dict[str, str]]:
    """A planner with the test password and an API token: email and token headers."""
    with session_factory(engine, write=True).begin() as session:
        user = User(
            email="planner@example.org",
            display_name="Planner",
            role=Role.PLANNER,
            password_hash=staff_password_hash(),
        )
        session.add(user)
        session.flush()
        token = accounts.create_token(session, user, "replicas").secret
    return user.email, {"Authorization": f"Bearer {token}"}


def _stored_scans(engine: Engine) -> Counter[str]:
    with session_factory(engine).begin() as session:
        codes = {row.id: row.code for row in repo.list_qr_codes(session)}
        totals: Counter[str] = Counter()
        for row in repo.scan_counts(session):
            totals[codes[row.code_id]] += row.count
        return totals


def test_both_replicas_share_one_database(cluster: Cluster) -> None:
    one, two = cluster.replicas
    slugs = [idea["slug"] for idea in one.get("/api/v1/ideas").json()["ideas"]]
    assert slugs, "the demo ideas are there"
    assert [idea["slug"] for idea in two.get("/api/v1/ideas").json()["ideas"]] == slugs
    assert len(slugs) == len(set(slugs)), "seeded once, not by each replica"


def test_replicas_started_at_the_same_moment_on_a_new_database_both_start(
    database_url: str, tmp_path: Path
) -> None:
    with _cluster(database_url, tmp_path / "data", together=True) as cluster:
        one, two = cluster.replicas
        slugs = [idea["slug"] for idea in one.get("/api/v1/ideas").json()["ideas"]]
        assert slugs
        assert [idea["slug"] for idea in two.get("/api/v1/ideas").json()["ideas"]] == slugs


def test_a_session_from_one_replica_is_valid_on_the_other(cluster: Cluster) -> None:
    one, two = cluster.replicas
    email, _ = _planner(cluster.engine)
    login = one.post("/api/v1/auth/login", json={"email": email, "password": STAFF_PASSWORD})
    assert login.status_code == 200, login.text
    cookies = dict(login.cookies)
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
    me = two.get("/api/v1/auth/me", cookies=cookies)
    assert me.status_code == 200, me.text
    assert me.json()["user"]["email"] == email
    created = two.post(
        "/api/v1/ideas", json={"title": {"en": "A bench"}}, cookies=cookies, headers=csrf
    )
    assert created.status_code == 201, created.text  # a change too, CSRF token and all
    assert one.get("/api/v1/auth/me", cookies={"arservice_session": "forged"}).status_code == 401


def test_scan_bursts_on_both_replicas_are_counted_exactly(cluster: Cluster) -> None:
    with session_factory(cluster.engine, write=True).begin() as session:
        codes = [
            repo.create_qr_code(session, target_url=f"https://example.org/{k}").code
            for k in range(3)
        ]
    scans = [
        (cluster.replicas[k % 2], codes[k % 3], IPHONE if k % 5 else ANDROID) for k in range(300)
    ]

    def scan(job: tuple[Replica, str, dict[str, str]]) -> int:
        replica, code, headers = job
        return replica.get(f"/q/{code}", headers=headers, follow_redirects=False).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        assert list(pool.map(scan, scans)) == [302] * len(scans)
    expected = Counter(code for _, code, _ in scans)
    _wait_until(lambda: _stored_scans(cluster.engine) == expected)  # the periodic flushes
    cluster.stop()
    assert _stored_scans(cluster.engine) == expected, "the final flushes add nothing twice"


def test_a_model_published_on_one_replica_is_served_by_the_other(cluster: Cluster) -> None:
    one, two = cluster.replicas
    _, planner = _planner(cluster.engine)
    body = {"slug": "penkki", "title": {"en": "A gym"}, "template": GYM}
    assert one.post("/api/v1/ideas", json=body, headers=planner).status_code == 201
    published = one.post("/api/v1/ideas/penkki/publish", headers=planner)
    assert published.status_code == 200, published.text
    seen = two.get("/api/v1/ideas/penkki")
    assert seen.status_code == 200
    assert seen.json()["artifacts"] == published.json()["artifacts"]
    for url in published.json()["artifacts"].values():
        path = url.removeprefix("http://127.0.0.1:8000")
        here, there = one.get(path), two.get(path)
        assert here.status_code == there.status_code == 200
        assert here.content == there.content
    assert two.get("/i/penkki?lang=en").status_code == 200


def test_one_model_published_on_both_replicas_at_once_is_stored_once(cluster: Cluster) -> None:
    _, planner = _planner(cluster.engine)
    for k, replica in enumerate(cluster.replicas):
        body = {"slug": f"kuntosali-{k}", "title": {"en": "A gym"}, "template": GYM}
        assert replica.post("/api/v1/ideas", json=body, headers=planner).status_code == 201

    def publish(k: int) -> httpx.Response:
        return cluster.replicas[k].post(f"/api/v1/ideas/kuntosali-{k}/publish", headers=planner)

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(publish, range(2)))
    assert [response.status_code for response in responses] == [200, 200], responses[0].text
    artifacts = [response.json()["artifacts"] for response in responses]
    assert artifacts[0] == artifacts[1], "the same content address on both"
    for url in artifacts[0].values():
        path = url.removeprefix("http://127.0.0.1:8000")
        sha256, kind = path.rsplit("/", 1)[1].split(".")
        files = [replica.get(path) for replica in cluster.replicas]
        assert [f.status_code for f in files] == [200, 200]
        assert files[0].content == files[1].content, "one whole file, whoever wrote it last"
        with session_factory(cluster.engine).begin() as session:
            row = repo.get_artifact(session, sha256, ArtifactKind(kind))  # one: the primary key
            assert row is not None
            assert row.size == len(files[0].content) > 0


def _wait_until(done: Callable[[], bool], attempts: int = 600) -> None:
    """Poll ``done()`` every 0.1 s (the flushes run every 0.5 s); fail after ``attempts``."""
    for _ in range(attempts):
        if done():
            return
        time.sleep(0.1)
    raise AssertionError("the condition never came true")
