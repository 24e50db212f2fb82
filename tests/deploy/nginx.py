"""Run the shipped nginx configuration (deploy/nginx/arservice.conf) on loopback, for the tests
and benchmarks/load.py.

    nginx = Nginx.start(tmp, upstreams=["127.0.0.1:8001"], artifacts=data / "blobs/artifacts")
    httpx.get(nginx.url + "/a/<sha256>.glb")
    nginx.stop()

The shipped file is used as it is, except for the lines a site changes anyway (its header says
which): the upstream servers, the artifact directory, the listening address and the access log's
path; each must be found exactly once, so a renamed line in the shipped file fails loudly here
instead of testing something else. It is included inside a minimal ``nginx.conf`` of our own
(one worker, in the foreground, every path under the temporary directory), checked with
``nginx -t`` first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "deploy" / "nginx" / "arservice.conf"
START_TIMEOUT_SECONDS = 30


class NginxUnavailableError(RuntimeError):
    """Debian's nginx is not installed."""


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).is_file()), None
    )
    if found is None:
        raise NginxUnavailableError("nginx is not installed (apt-get install nginx-light)")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise AssertionError(f"{SHIPPED.name} should hold {old!r} exactly once")
    return text.replace(old, new)


def render_site(
    upstreams: list[str], artifacts: Path, port: int, access_log: Path, source: Path = SHIPPED
) -> str:
    """The shipped server configuration for these replicas, directory, port and log."""
    text = source.read_text()
    servers = "\n    ".join(f"server {address};" for address in upstreams)
    text = _replace_once(text, "server app:8000;", servers)
    text = _replace_once(text, "root /srv/arservice/artifacts;", f"root {artifacts};")
    text = _replace_once(text, "listen 80;", f"listen 127.0.0.1:{port};")
    return _replace_once(text, "access_log /var/log/nginx/access.log ", f"access_log {access_log} ")


def main_config(directory: Path, site: Path, extra_http: str = "") -> str:
    """A minimal nginx.conf around ``site``: one worker, foreground, paths under ``directory``.
    When run as root the worker stays root, to read files under pytest's private temp dirs."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
daemon off;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
{temp}
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    access_log {directory / "other-access.log"};
    include {site};
{extra_http}}}
"""


@dataclass
class Nginx:
    url: str
    process: subprocess.Popen[bytes]
    directory: Path

    @property
    def access_log(self) -> Path:
        return self.directory / "access.log"

    @classmethod
    def start(
        cls,
        directory: Path,
        *,
        upstreams: list[str],
        artifacts: Path,
        port: int | None = None,
        extra_http: str = "",
        preexec_fn: object = None,
    ) -> Nginx:
        """Render, ``nginx -t``, start; wait until it answers. RuntimeError with its output when
        the configuration is refused or it does not start."""
        binary = nginx_binary()
        directory.mkdir(parents=True, exist_ok=True)
        port = port or free_port()
        site = directory / "arservice.conf"
        site.write_text(render_site(upstreams, artifacts, port, directory / "access.log"))
        config = directory / "nginx.conf"
        config.write_text(main_config(directory, site, extra_http))
        base = [binary, "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log")]
        checked = subprocess.run([*base, "-t"], capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t refused the configuration:\n{checked.stderr}")
        with (directory / "stderr.log").open("wb") as stderr:
            process = subprocess.Popen(
                base,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
                preexec_fn=preexec_fn,  # type: ignore[arg-type]
            )
        nginx = cls(f"http://127.0.0.1:{port}", process, directory)
        nginx._wait_ready()
        return nginx

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            with contextlib.suppress(httpx.TransportError):
                httpx.get(self.url + "/a/none", timeout=2)
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not start:\n{self.errors()}")
            time.sleep(0.05)

    def errors(self) -> str:
        texts = [p.read_text(errors="replace") for p in self.directory.glob("*error.log")]
        return "\n".join([*texts, (self.directory / "stderr.log").read_text(errors="replace")])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: fast shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
