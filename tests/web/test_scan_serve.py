"""Scans against a real server (``arservice serve`` in a subprocess): many threads at once,
then a stop with SIGTERM and a restart lose no acknowledged scan, and the access log has no
client address."""

from __future__ import annotations

import signal
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import Engine

from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.db import make_engine, migrate, session_factory
from tests.support.environment import server_environment
from tests.web.test_serve import ARSERVICE, free_port, wait_for

THREADS = 12
STOP_TIMEOUT_SECONDS = 30


def _codes(engine: Engine, count: int) -> list[str]:
    with session_factory(engine, write=True).begin() as session:
        return [
            repo.create_qr_code(session, target_url=f"https://example.org/{k}").code
            for k in range(count)
        ]


def _stored(engine: Engine) -> Counter[str]:
    with session_factory(engine).begin() as session:
        codes = {row.id: row.code for row in repo.list_qr_codes(session)}
        totals: Counter[str] = Counter()
        for row in repo.scan_counts(session):
            totals[codes[row.code_id]] += row.count
        return totals


def _serve_and_scan(data: Path, scans: list[str]) -> str:
    """Start a server on ``data``, scan ``scans`` from THREADS threads, stop it with SIGTERM;
    its output. The flush interval is a minute: what is stored was flushed by the stop."""
    port = free_port()
    env = server_environment()
    env.update(
        ARSERVICE_DATA_DIR=str(data),
        ARSERVICE_DEMO_IDEAS="false",
        ARSERVICE_SCAN_FLUSH_SECONDS="60",
    )
    command = [str(ARSERVICE), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as server:
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", server)

            def scan(code: str) -> int:
                url = f"http://127.0.0.1:{port}/q/{code.lower()}"
                return httpx.get(url, headers={"User-Agent": "Mozilla/5.0 (iPhone)"}).status_code

            with ThreadPoolExecutor(THREADS) as pool:
                statuses = list(pool.map(scan, scans))
            assert statuses == [302] * len(scans), "every scan acknowledged"
        finally:
            server.send_signal(signal.SIGTERM)
            output, _ = server.communicate(timeout=STOP_TIMEOUT_SECONDS)
    # uvicorn shuts down gracefully (the lifespan's final flush), then re-raises the signal
    assert server.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    return output


def test_threaded_scans_survive_a_sigterm_and_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    engine = make_engine(Settings(data_dir=data).database_url)
    migrate(engine)
    try:
        codes = _codes(engine, 3)
        first = [codes[k % 3] if k % 2 else codes[0] for k in range(240)]
        output = _serve_and_scan(data, first)
        assert _stored(engine) == Counter(first)
        second = [codes[2]] * 25 + [codes[1]] * 15
        _serve_and_scan(data, second)
        assert _stored(engine) == Counter(first) + Counter(second)
    finally:
        engine.dispose()
    access = [line for line in output.splitlines() if '"GET /q/' in line]
    assert len(access) == len(first), "uvicorn's access log is on"
    assert not [line for line in access if "127.0.0.1" in line], "no client address logged"
