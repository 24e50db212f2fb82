"""``arservice serve`` starts a real server on a socket."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.environment import server_environment

ARSERVICE = Path(sys.executable).parent / "arservice"
START_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_answers_on_loopback_with_links_to_itself(tmp_path: Path) -> None:
    port = free_port()
    env = server_environment()
    env["ARSERVICE_DATA_DIR"] = str(tmp_path / "data")
    command = [str(ARSERVICE), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as server:
        try:
            response = wait_for(f"http://127.0.0.1:{port}/healthz", server)
            assert response.status_code == 200
            assert response.json() == {"status": "ok"}
            assert "server" not in response.headers
            slug = httpx.get(f"http://127.0.0.1:{port}/api/v1/ideas").json()["ideas"][0]["slug"]
            page = httpx.get(f"http://127.0.0.1:{port}/i/{slug}").text
            assert f'src="http://127.0.0.1:{port}/a/' in page, "model URLs name this server"
        finally:
            server.send_signal(signal.SIGINT)
            output, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in output
    assert f"public address http://127.0.0.1:{port} (ARSERVICE_BASE_URL)" in output
    assert "generated a secret key" in output
    assert server.returncode == 0, output
    assert (tmp_path / "data" / "secret_key").is_file()


def wait_for(url: str, server: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
