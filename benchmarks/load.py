"""Benchmark: the scaled setup under concurrent load, on loopback: PostgreSQL, one and two app
replicas behind the shipped nginx configuration, and nginx's artifact serving.

    .venv/bin/python benchmarks/load.py [--seconds S] [--concurrency C] [--json]

Everything is started here and stopped again, on 127.0.0.1 at free ports, in a temporary
directory (``make bench`` installs wrk and nginx-light; PostgreSQL is Debian's ``postgresql``):

- a throwaway PostgreSQL cluster, started the way the tests start one
  (``tests/support/postgres.py``: initdb in a temporary directory, durability off);
- two ``arservice serve`` processes (uvicorn, one worker each, access log on) on one database,
  one data directory and one secret key, demo ideas published, scans flushed every 2 s;
- one nginx (one worker) running ``deploy/nginx/arservice.conf`` three times over: in front of
  replica 1 alone, in front of both replicas, and with the artifact directory in place; plus a
  plain ``location /a/ { root ...; }`` server in the same process serving a hard link of the
  same GLB. In the two replica setups the artifact directory is left empty, so that ``/a/``
  measures the app; the third setup measures nginx answering ``/a/`` itself.

wrk (one thread, keep-alive, closed loop, ``C`` connections, ``--seconds`` per run after a 1 s
warm-up) runs against ``/healthz`` (no database: the same app's floor), ``/q/{code}`` (the scan
redirect, counted), the idea page ``/i/{slug}`` and a GLB ``/a/{sha}.glb``; a Lua hook checks
every answer's status and body size, and anything else counts as an error. Nothing is pinned:
on a two-core machine the client, nginx, PostgreSQL and the replicas share the cores, as they
would on one small server; the load average before the run is printed beside the figures.

Targets: 0 errors; the redirect (with counting) at least 0.8x the same setup's ``/healthz``;
artifacts through the shipped configuration at least 0.8x plain nginx. A benchmark reports; the
exit status is 0 whatever the targets say (1 when the setup fails).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import serve  # noqa: E402

from arservice.store import repositories as repo  # noqa: E402
from arservice.store.db import make_engine, session_factory  # noqa: E402
from tests.deploy.nginx import Nginx  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402

TARGET_REDIRECT_SHARE = 0.8
TARGET_NGINX_SHARE = 0.8
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
WARMUP_S = 1.0


@dataclass
class Row:
    setup: str
    path: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def wrk_script(path: Path, status: int, size: int) -> Path:
    path.write_text(serve.WRK_SCRIPT.format(status=status, size=size))
    return path


def measure(
    wrk: str, tmp: Path, setup: str, url: str, path: str, c: int, seconds: float, pid: int
) -> Row:
    """Status and body size from one GET, then a warm-up and a measured wrk run."""
    first = httpx.get(url + path, headers={"User-Agent": IPHONE}, follow_redirects=False)
    script = wrk_script(tmp / "check.lua", first.status_code, len(first.content))
    headers, cores = [f"User-Agent: {IPHONE}"], serve.Cores(False)
    serve.run_wrk(wrk, url + path, c, WARMUP_S, script, headers, cores, pid)
    got, _ = serve.run_wrk(wrk, url + path, c, seconds, script, headers, cores, pid)
    row = Row(
        setup,
        path if len(path) < 24 else path[:20] + "...",
        got["requests"] / (got["duration_us"] / 1e6),
        got["p50_us"] / 1e3,
        got["p99_us"] / 1e3,
        got["wrong"] + got["socket_errors"] + got["timeouts"],
        got["requests"],
    )
    print(
        f"  {setup:<22} {row.path:<24} {row.rps:9,.0f} req/s  p50 {row.p50_ms:7.2f} ms  "
        f"p99 {row.p99_ms:7.2f} ms  errors {row.errors}",
        file=sys.stderr,
    )
    return row


@contextlib.contextmanager
def replicas(tmp: Path, database_url: str, count: int) -> Iterator[list[serve.Server]]:
    data, key = tmp / "data", secrets.token_urlsafe(48)
    started: list[serve.Server] = []
    try:
        for k in range(count):
            port = serve.free_port()
            env = serve.app_environment(data, port)
            env.update(ARSERVICE_DATABASE_URL=database_url, ARSERVICE_SECRET_KEY=key)
            env["ARSERVICE_DEMO_IDEAS"] = "true"
            command = [str(serve.ARSERVICE), "serve", "--host", "127.0.0.1", "--port", str(port)]
            server = serve.start(f"app{k + 1}", command, port, tmp / f"app{k + 1}.log", env, None)
            started.append(server)
            serve.wait_ready(server, "/readyz")  # one after the other: a rolling start
        yield started
    finally:
        for server in started:
            serve.stop(server)


def plain_server(directory: Path, root: Path) -> tuple[str, str]:
    """An nginx server block serving ``root`` as it is (nginx's defaults); its URL."""
    port = serve.free_port()
    block = f"""    server {{
        listen 127.0.0.1:{port};
        access_log {directory / "plain-access.log"};
        location /a/ {{ root {root}; }}
    }}
"""
    return block, f"http://127.0.0.1:{port}"


def run(seconds: float, c: int) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk, or make bench)")
    rows: list[Row] = []
    postgres = PostgresServer.start()
    try:
        database_url = postgres.create_database("bench")
        with tempfile.TemporaryDirectory(prefix="arservice-load-") as temporary:
            tmp = Path(temporary)
            with replicas(tmp, database_url, 2) as apps:
                rows += run_setups(wrk, tmp, apps, database_url, seconds, c)
    finally:
        postgres.stop()
    return {"rows": [asdict(r) for r in rows], "targets": targets(rows)}


def run_setups(
    wrk: str, tmp: Path, apps: list[serve.Server], database_url: str, seconds: float, c: int
) -> list[Row]:
    engine = make_engine(database_url)
    try:
        with session_factory(engine, write=True).begin() as session:
            idea = repo.list_published_ideas(session)[0]
            slug = idea.slug
            code = repo.create_qr_code(session, target_idea_id=idea.id, lang="fi").code
    finally:
        engine.dispose()
    glb = httpx.get(f"{apps[0].url}/api/v1/ideas/{slug}").json()["artifacts"]["glb"]
    artifact = "/a/" + glb.rsplit("/a/", 1)[1]
    blob = tmp / "data" / "blobs" / "artifacts" / artifact.rsplit("/", 1)[1]
    empty = tmp / "no-artifacts"
    empty.mkdir()
    paths = ["/healthz", f"/q/{code}", f"/i/{slug}?lang=fi", artifact]
    rows: list[Row] = []
    for label, upstreams in (("1 replica", apps[:1]), ("2 replicas", apps)):
        addresses = [a.url.removeprefix("http://") for a in upstreams]
        nginx = Nginx.start(tmp / f"nginx-{len(upstreams)}", upstreams=addresses, artifacts=empty)
        try:
            for path in paths:
                rows.append(
                    measure(wrk, tmp, label, nginx.url, path, c, seconds, upstreams[0].proc.pid)
                )
        finally:
            nginx.stop()
    plain_root = tmp / "plain"
    (plain_root / "a").mkdir(parents=True)
    os.link(blob, plain_root / "a" / blob.name)  # the same inode, the same page cache
    block, plain_url = plain_server(tmp / "nginx-static", plain_root)
    nginx = Nginx.start(
        tmp / "nginx-static",
        upstreams=[apps[0].url.removeprefix("http://")],
        artifacts=blob.parent,
        extra_http=block,
    )
    try:
        for _ in range(2):  # alternate, so that drift hits both alike
            rows.append(
                measure(
                    wrk,
                    tmp,
                    "nginx shipped config",
                    nginx.url,
                    artifact,
                    c,
                    seconds,
                    nginx.process.pid,
                )
            )
            rows.append(
                measure(
                    wrk, tmp, "nginx plain file", plain_url, artifact, c, seconds, nginx.process.pid
                )
            )
    finally:
        nginx.stop()
    return rows


def targets(rows: list[Row]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    errors = sum(r.errors for r in rows)
    found.append({"target": "0 errors", "met": errors == 0, "value": errors})
    for setup in ("1 replica", "2 replicas"):
        health = next(r for r in rows if r.setup == setup and r.path == "/healthz")
        scan = next(r for r in rows if r.setup == setup and r.path.startswith("/q/"))
        share = scan.rps / health.rps
        found.append(
            {
                "target": f"{setup}: redirect >= {TARGET_REDIRECT_SHARE}x /healthz",
                "met": share >= TARGET_REDIRECT_SHARE,
                "value": round(share, 2),
            }
        )
    shipped = [r.rps for r in rows if r.setup == "nginx shipped config"]
    plain = [r.rps for r in rows if r.setup == "nginx plain file"]
    share = (sum(shipped) / len(shipped)) / (sum(plain) / len(plain))
    found.append(
        {
            "target": f"artifacts through the shipped config >= {TARGET_NGINX_SHARE}x plain nginx",
            "met": share >= TARGET_NGINX_SHARE,
            "value": round(share, 2),
        }
    )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measured run")
    parser.add_argument("--concurrency", type=int, default=32, help="wrk connections")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    machine = serve.machine()
    machine["load_before"] = os.getloadavg()
    try:
        result = run(args.seconds, args.concurrency)
    except RuntimeError as failed:
        print(f"error: {failed}", file=sys.stderr)
        return 1
    result["machine"] = machine
    result["machine"]["load_after"] = os.getloadavg()
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"CPU {machine['cpu']}, {machine['cores']} cores, load {machine['load_before']}")
    print(f"{'setup':<22} {'path':<24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for r in result["rows"]:
        print(
            f"{r['setup']:<22} {r['path']:<24} {r['rps']:9,.0f} {r['p50_ms']:8.2f} "
            f"{r['p99_ms']:8.2f} {r['errors']:6d}"
        )
    for t in result["targets"]:
        print(f"  {'pass' if t['met'] else 'MISS'}  {t['target']}: {t['value']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
