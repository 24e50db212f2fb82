"""Benchmark: the resident's idea page on a phone over slow mobile data, in headless Chromium.

    .venv/bin/python benchmarks/viewer.py [--runs N] [--slug SLUG ...] [--no-throttle] [--json]

Starts ``arservice serve`` on a free loopback port with a temporary data directory and the demo
ideas, then loads each idea page ``--runs`` times (default 3) in a new browser context, cache
disabled, with the network throttled through the DevTools protocol to Lighthouse's "slow 4G"
(``Network.emulateNetworkConditions``: 562.5 ms request latency, 1,474.56 kbit/s down,
675 kbit/s up — Lighthouse's 150 ms RTT / 1.6 Mbit/s profile as DevTools applies it). The CPU
is not slowed. Reported, medians over the runs:

- page weight: bytes on the wire (``encodedDataLength``: compressed bodies and headers) of the
  HTML, our CSS, our JS (viewer.js), model-viewer, the model (GLB), the poster (PNG), the rest;
- time to poster: when the poster was painted (Element Timing of the poster picture, else of the
  poster's text) from the start of navigation;
- model-viewer's script: when it had loaded (its resource's ``responseEnd``); the GLB likewise;
- time to model: model-viewer's ``load`` event (after the GLB has arrived, model-viewer parses
  it and renders; in headless Chromium that is SwiftShader on the CPU, slower than a phone's GPU).

Targets (issue 5): our own HTML + CSS + JS under 30 KB compressed; the poster painted before
model-viewer's script has finished loading. A benchmark reports; it does not fail: the exit
status is 0 whatever the targets say (2 for a usage error, 1 when the server or the browser
cannot start). USDZ and PNG generation times are measured by ``usdz_timing.py`` and
``render_timing.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = os.environ.get("ARSERVICE_CHROMIUM", "/usr/bin/chromium")
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
SLOW_4G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1474.56 * 1000 / 8,
    "uploadThroughput": 675 * 1000 / 8,
}
"""Bytes per second and milliseconds, as ``Network.emulateNetworkConditions`` takes them."""
DEMO_SLUGS = (
    "kapylan-ulkokuntosali",
    "karhupuiston-leikkipaikka",
    "myllypuron-koripallokentta",
    "kaivopuiston-levahdyspaikka",
)
OUR_TARGET_BYTES = 30 * 1024
KINDS = ("html", "css", "our js", "model-viewer", "model", "poster", "other")
TIMING_SCRIPT = """
window.__bench = {};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const key = entry.identifier === 'poster' ? 'poster' : 'posterText';
    if (!(key in window.__bench)) window.__bench[key] = entry.renderTime || entry.loadTime;
  }
}).observe({type: 'element', buffered: true});
document.addEventListener('load', (event) => {
  if (event.target.tagName === 'MODEL-VIEWER') window.__bench.load = performance.now();
}, true);
"""
READY_SCRIPT = """() => {
  const entries = performance.getEntriesByType('resource');
  const end = (suffix) => {
    const found = entries.find((entry) => entry.name.endsWith(suffix));
    return found ? found.responseEnd : null;
  };
  return {...window.__bench, modelViewer: end('/model-viewer.min.js'), glb: end('.glb')};
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(data_dir: Path) -> Iterator[str]:
    """``arservice serve`` with the demo ideas on a free port; its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARSERVICE_")}
    env.update(ARSERVICE_DATA_DIR=str(data_dir), ARSERVICE_BASE_URL=base)
    env.update(ARSERVICE_DEMO_IDEAS="true", ARSERVICE_SECRET_KEY="benchmark-" + "k" * 40)
    arservice = Path(sys.executable).parent / "arservice"
    command = [str(arservice), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with (
        (data_dir / "server.log").open("w") as log,
        subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT) as process,
    ):
        try:
            deadline = time.monotonic() + 120
            while not _ready(f"{base}/readyz"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("arservice serve did not start: see " + log.name)
                time.sleep(0.2)
            yield base
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def kind_of(url: str, resource_type: str) -> str:
    path = url.split("?", 1)[0]
    if resource_type == "document":
        return "html"
    for suffix, kind in ((".css", "css"), ("/viewer.js", "our js"), (".glb", "model")):
        if path.endswith(suffix):
            return kind
    if path.endswith("/model-viewer.min.js"):
        return "model-viewer"
    if path.endswith(".png"):
        return "poster"
    return "other"


def load_once(browser: Browser, url: str, *, throttle: bool) -> dict[str, Any]:
    """One cold load of ``url``: bytes on the wire by kind, and the times (ms)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.add_init_script(TIMING_SCRIPT)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttle:
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    kinds: dict[str, str] = {}
    wire = dict.fromkeys(KINDS, 0)

    def sent(event: dict[str, Any]) -> None:
        kinds[event["requestId"]] = kind_of(event["request"]["url"], event.get("type", "").lower())

    def finished(event: dict[str, Any]) -> None:
        kind = kinds.get(event["requestId"], "other")
        wire[kind] += int(event["encodedDataLength"])

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    page.goto(url)
    page.wait_for_function("() => window.__bench.load !== undefined", timeout=300_000)
    page.wait_for_timeout(200)
    times: dict[str, Any] = page.evaluate(READY_SCRIPT)
    context.close()
    poster = times.get("poster", times.get("posterText"))
    return {
        "bytes": wire,
        "poster_ms": poster,
        "model_viewer_ms": times.get("modelViewer"),
        "glb_ms": times.get("glb"),
        "load_ms": times.get("load"),
    }


def measure(browser: Browser, base: str, slug: str, runs: int, throttle: bool) -> dict[str, Any]:
    samples = [load_once(browser, f"{base}/i/{slug}", throttle=throttle) for _ in range(runs)]

    def median(key: str) -> float | None:
        values = [s[key] for s in samples if s[key] is not None]
        return statistics.median(values) if values else None

    sizes = {kind: int(statistics.median(s["bytes"][kind] for s in samples)) for kind in KINDS}
    return {
        "slug": slug,
        "runs": runs,
        "bytes": sizes,
        "ours": sizes["html"] + sizes["css"] + sizes["our js"],
        "poster_ms": median("poster_ms"),
        "model_viewer_ms": median("model_viewer_ms"),
        "glb_ms": median("glb_ms"),
        "load_ms": median("load_ms"),
    }


def report(results: Sequence[dict[str, Any]], throttle: bool) -> str:
    network = "slow 4G (562.5 ms, 1.47 Mbit/s down)" if throttle else "no throttling (loopback)"
    lines = [f"network: {network}; medians of {results[0]['runs']} cold loads; KB = 1,024 bytes"]
    head = ["idea", *KINDS, "ours", "poster ms", "mv script ms", "GLB ms", "model load ms"]
    lines.append(" | ".join(head))
    for row in results:
        kb = [f"{row['bytes'][kind] / 1024:.1f}" for kind in KINDS]
        ms = [_ms(row[key]) for key in ("poster_ms", "model_viewer_ms", "glb_ms", "load_ms")]
        lines.append(" | ".join([row["slug"], *kb, f"{row['ours'] / 1024:.1f}", *ms]))
    for row in results:
        ours_ok = row["ours"] < OUR_TARGET_BYTES
        poster, script = row["poster_ms"], row["model_viewer_ms"]
        early = poster is not None and script is not None and poster < script
        verdict = "before" if early else "NOT before"
        if not throttle:
            verdict += " (judged under throttling only)"
        lines.append(
            f"{row['slug']}: ours {row['ours'] / 1024:.1f} KB "
            f"{'meets' if ours_ok else 'MISSES'} < 30 KB; poster {verdict} model-viewer's script"
        )
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slug", nargs="+", default=list(DEMO_SLUGS), choices=DEMO_SLUGS)
    parser.add_argument("--no-throttle", action="store_true", help="loopback speed")
    parser.add_argument("--json", action="store_true", help="raw numbers")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    throttle = not args.no_throttle
    try:
        with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp)) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            results = [measure(browser, base, slug, args.runs, throttle) for slug in args.slug]
            browser.close()
    except (RuntimeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(results, indent=2) if args.json else report(results, throttle))
    return 0


if __name__ == "__main__":
    sys.exit(main())
