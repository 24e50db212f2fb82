"""The redirect part of ``benchmarks/qr.py``: ``/q/{code}`` beside ``/healthz`` on one server.

    .venv/bin/python benchmarks/qr.py --redirect-only [--redirect-seconds S]

One ``arservice serve`` (uvicorn, one worker process, access log on, demo ideas published,
scans counted with the default flush interval) on 127.0.0.1 at a free port, with a temporary
``ARSERVICE_DATA_DIR``. A code for a published idea with ``lang=fi`` is added to its database.
wrk (one thread, keep-alive, closed loop) runs at each concurrency against ``/healthz`` (async,
no database: the no-work baseline of the same app) and ``/q/{code}`` (one read-only query,
``302``, the scan counted in memory) in turn, with an iPhone User-Agent; a Lua hook checks every
answer (200 with the health body, 302 with no body). Client and server are pinned to separate
cores as in ``benchmarks/serve.py``, whose process and wrk helpers this reuses.

After the runs the server is stopped with SIGTERM and the counts in the database are compared
with the redirects wrk saw answered (warm-ups included): counting under load must lose none. The
database may hold a few more: wrk stops reading when its time is up while up to ``c`` requests
are still open, and the server answers and counts those.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serve

from arservice.store import repositories as repo
from arservice.store.db import make_engine, session_factory

CONCURRENCY = (1, 16, 64)
TARGET_SHARE = 0.5
"""The redirect's requests/s at least half of /healthz's at each concurrency."""
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
HEALTH_BODY = b'{"status":"ok"}'


def bench_redirect(seconds: float, concurrency: Sequence[int] = CONCURRENCY) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk is not installed (apt-get install wrk, or make bench)"}
    cores = serve.Cores(True)
    with tempfile.TemporaryDirectory(prefix="arservice-qr-bench-") as temporary:
        tmp = Path(temporary)
        data, port = tmp / "data", serve.free_port()
        env = serve.app_environment(data, port)
        env["ARSERVICE_DEMO_IDEAS"] = "true"
        command = [str(serve.ARSERVICE), "serve", "--host", "127.0.0.1", "--port", str(port)]
        server = serve.start("app", command, port, tmp / "app.log", env, cores.server)
        engine = None
        try:
            serve.wait_ready(server, "/healthz")
            engine = make_engine(f"sqlite:///{data / 'arservice.db'}")
            code = make_code(engine)
            target = check(server.url, code)
            scripts = {
                "healthz": wrk_script(tmp / "healthz.lua", 200, len(HEALTH_BODY)),
                "redirect": wrk_script(tmp / "redirect.lua", 302, 0),
            }
            paths = {"healthz": "/healthz", "redirect": f"/q/{code}"}
            rows, answered = [], 0
            for c in concurrency:
                for kind in ("healthz", "redirect"):
                    row, done = run(wrk, server, paths[kind], scripts[kind], c, seconds, cores)
                    rows.append({"kind": kind, "concurrency": c, **row})
                    answered += done if kind == "redirect" else 0
            serve.stop(server)
            counted = stored_scans(engine)
        finally:
            serve.stop(server)
            if engine is not None:
                engine.dispose()
    return {
        "cores": cores.describe(),
        "target": target,
        "rows": rows,
        "redirects_answered": answered,
        "scans_counted": counted,
        # the check's one scan, and per wrk run the requests still open when wrk stops: the
        # server answers (and counts) them, wrk no longer reads them
        "in_flight_max": 1 + 2 * (1 + serve.RETRIES) * sum(concurrency),
    }


def make_code(engine: Any) -> str:
    with session_factory(engine, write=True).begin() as session:
        idea = repo.list_published_ideas(session)[0]
        return repo.create_qr_code(session, target_idea_id=idea.id, lang="fi").code


def check(url: str, code: str) -> str:
    """The redirect answers as it should before it is measured."""
    response = httpx.get(f"{url}/q/{code}", headers={"User-Agent": IPHONE})
    if response.status_code != 302 or response.headers.get("cache-control") != "no-store":
        raise RuntimeError(f"/q/{code} answered {response.status_code}, not a no-store 302")
    return str(response.headers["location"])


def wrk_script(path: Path, status: int, size: int) -> Path:
    path.write_text(serve.WRK_SCRIPT.format(status=status, size=size))
    return path


def run(
    wrk: str,
    server: serve.Server,
    path: str,
    script: Path,
    concurrency: int,
    seconds: float,
    cores: serve.Cores,
) -> tuple[dict[str, Any], int]:
    """One warm-up and one measured wrk run; the figures, and the answers of both runs."""
    url, headers = server.url + path, [f"User-Agent: {IPHONE}"]
    pid = server.proc.pid
    answered = 0
    best: tuple[dict[str, Any], serve.CpuUse] | None = None
    for _ in range(1 + serve.RETRIES):  # as benchmarks/serve.py: again when others used the CPU
        warm, _ = serve.run_wrk(wrk, url, concurrency, serve.WARMUP_S, script, headers, cores, pid)
        got = serve.run_wrk(wrk, url, concurrency, seconds, script, headers, cores, pid)
        answered += int(warm["ok"]) + int(got[0]["ok"])
        if best is None or got[1].other < best[1].other:
            best = got
        if got[1].other <= serve.OTHER_CPU_MAX:
            break
    got, cpu = best
    rps = got["requests"] / (got["duration_us"] / 1e6)
    row = {
        "rps": rps,
        "p50_ms": got["p50_us"] / 1e3,
        "p99_ms": got["p99_us"] / 1e3,
        "wrong": got["wrong"] + got["socket_errors"],
        "server_cpu": cpu.server,
        "client_cpu": cpu.client,
        "other_cpu": cpu.other,
    }
    print(
        f"  {path} c={concurrency}: {rps:,.0f} req/s, p50 {row['p50_ms']:.2f} ms, "
        f"p99 {row['p99_ms']:.2f} ms, wrong {row['wrong']}, other cpu {cpu.other:.0%}",
        file=sys.stderr,
    )
    return row, answered


def stored_scans(engine: Any) -> int:
    with session_factory(engine).begin() as session:
        return sum(row.count for row in repo.scan_counts(session))


def targets(result: dict[str, Any]) -> dict[str, bool]:
    if "rows" not in result:
        return {}
    by = {(r["kind"], r["concurrency"]): r for r in result["rows"]}
    found = {}
    for (kind, c), row in by.items():
        if kind == "redirect":
            share = row["rps"] / by[("healthz", c)]["rps"]
            found[f"redirect c={c} at least half of /healthz ({share:.0%})"] = share >= TARGET_SHARE
    answered, counted = result["redirects_answered"], result["scans_counted"]
    found["every answered redirect counted (none lost, none invented)"] = (
        answered <= counted <= answered + result["in_flight_max"]
    )
    return found


def print_redirect(result: dict[str, Any]) -> None:
    if "rows" not in result:
        print(f"\nRedirect: skipped: {result['skipped']}")
        return
    print(f"\nRedirect /q/{{code}} beside /healthz, one server process ({result['cores']})")
    print(f"  /q/ answers 302 to {result['target']}")
    by = {(r["kind"], r["concurrency"]): r for r in result["rows"]}
    header = ["concurrency", "healthz req/s", "redirect req/s", "share"]
    header += ["healthz p50", "p99 ms", "redirect p50", "p99 ms", "wrong", "other cpu"]
    print("  " + "  ".join(header))
    for c in sorted({r["concurrency"] for r in result["rows"]}):
        h, q = by[("healthz", c)], by[("redirect", c)]
        cells = [
            f"{c:>11}",
            f"{h['rps']:>13,.0f}",
            f"{q['rps']:>14,.0f}",
            f"{q['rps'] / h['rps']:>5.0%}",
            f"{h['p50_ms']:>11.2f}",
            f"{h['p99_ms']:>6.2f}",
            f"{q['p50_ms']:>12.2f}",
            f"{q['p99_ms']:>6.2f}",
            f"{h['wrong'] + q['wrong']:>5}",
            f"{max(h['other_cpu'], q['other_cpu']):>9.0%}",
        ]
        print("  " + "  ".join(cells))
    print(
        f"  redirects wrk saw answered {result['redirects_answered']:,}; scans in the database "
        f"after SIGTERM {result['scans_counted']:,} (at most {result['in_flight_max']} more: "
        "the check's scan and requests open when each wrk run stopped)"
    )
