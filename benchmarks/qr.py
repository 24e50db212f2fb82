"""Benchmark: QR codes per second (SVG, PDF, PNG) and poster time (A4, A3, 100 posters).

    .venv/bin/python benchmarks/qr.py [--codes N] [--posters N] [--json]
                                      [--redirect-seconds S] [--redirect-only | --no-redirect]

In one warm process: the fonts are read and the preview is rendered once (outside every timed
loop, with arservice.render at the size ``preview_pixels`` gives for 200 dpi), a few warm-up
runs, then each case is timed with ``perf_counter_ns``; every timed code has its own short
code, so nothing is served from a cache of the same payload. Also printed: what segmenting the
payload (byte + alphanumeric) saves in symbol size, per base address and level.

The redirect part (``/q/{code}`` throughput and latency with counting on, beside the same app's
``/healthz``, against a real server with wrk) is in ``benchmarks/redirect.py``. A benchmark
reports; it does not fail: the exit status is 0 whatever the targets say.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import segno
from PIL import Image, ImageDraw

from arservice.printables import (
    PosterContent,
    PosterFonts,
    choose_qr,
    encode_qr,
    poster_pdf,
    poster_png,
    preview_pixels,
    qr_payload,
    qr_pdf,
    qr_png,
    qr_svg,
)
from arservice.printables.payload import CROCKFORD

sys.path.insert(0, str(Path(__file__).resolve().parent))
import redirect

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "assets" / "fonts"
BASE_URL = "https://ar.hel.fi"
WARMUP = 5
TARGET_POSTER_MS = 150.0
TARGET_100_POSTERS_S = 20.0
CODE_SIZE_MM = 150.0
CODE_DPI = 300
DISTANCE_M = 1.0
SEGMENT_BASES = [
    "https://ar.hel.fi",
    "https://omastadi.hel.fi",
    "https://arservice.example.org",
    "https://osallistuva-budjetointi.example.org",
]


def short_code(index: int) -> str:
    """The ``index``-th 7-character Crockford code."""
    chars = []
    for _ in range(7):
        index, k = divmod(index, 32)
        chars.append(CROCKFORD[k])
    return "".join(chars)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--codes", type=int, default=200, help="timed codes per format (200)")
    parser.add_argument("--posters", type=int, default=100, help="posters in the batch (100)")
    parser.add_argument("--json", action="store_true", help="print the raw numbers as JSON")
    parser.add_argument(
        "--redirect-seconds", type=float, default=5.0, help="each wrk run of the redirect part (5)"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--redirect-only", action="store_true", help="only the redirect part")
    which.add_argument("--no-redirect", action="store_true", help="skip the redirect part")
    args = parser.parse_args(argv)
    if args.codes < 1 or args.posters < 1:
        parser.error("--codes and --posters must be at least 1")
    if args.redirect_seconds <= 0:
        parser.error("--redirect-seconds must be above 0")
    if args.redirect_only:
        result = redirect.bench_redirect(args.redirect_seconds)
        report = {"machine": machine(), "redirect": result, "targets": redirect.targets(result)}
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print_machine(report)
            redirect.print_redirect(result)
            print_targets(report)
        return 0
    fonts = PosterFonts(
        (FONTS / "NotoSans-Regular.ttf").read_bytes(), (FONTS / "NotoSans-Bold.ttf").read_bytes()
    )
    logo = make_logo()
    report: dict[str, Any] = {"machine": machine(), "codes": {}, "posters": {}}
    for name, make in code_makers(logo).items():
        report["codes"][name] = time_codes(make, args.codes)
    previews = {size: make_preview(size) for size in ("a4", "a3")}
    for size in ("a4", "a3"):
        for langs in (("fi", "sv"), ("fi", "sv", "en")):
            key = f"{size} {'+'.join(langs)}"
            report["posters"][key] = time_poster(previews[size], size, langs, fonts, logo)
    report["posters"]["png preview a4 (96 dpi)"] = time_poster(
        previews["a4"], "a4", ("fi", "sv"), fonts, logo, png=True
    )
    report["batch"] = time_batch(previews["a4"], fonts, logo, args.posters)
    report["segments"] = segment_savings()
    if not args.no_redirect:
        report["redirect"] = redirect.bench_redirect(args.redirect_seconds)
    report["targets"] = targets(report, args.posters)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report, args)
    return 0


def code_makers(logo: bytes) -> dict[str, Callable[[str], bytes]]:
    plain, with_logo = choose_qr(DISTANCE_M), choose_qr(DISTANCE_M, logo=True)
    size = 170.0  # a logo's version 4 symbol at 1 m needs 164 mm
    return {
        "svg": lambda p: qr_svg(p, plain, size_mm=CODE_SIZE_MM),
        "pdf": lambda p: qr_pdf(p, plain, CODE_SIZE_MM),
        f"png {CODE_DPI} dpi": lambda p: qr_png(p, plain, CODE_SIZE_MM, CODE_DPI),
        "svg + logo": lambda p: qr_svg(p, with_logo, size_mm=size, logo=logo),
        "pdf + logo": lambda p: qr_pdf(p, with_logo, size, logo=logo),
        f"png {CODE_DPI} dpi + logo": lambda p: qr_png(p, with_logo, size, CODE_DPI, logo=logo),
    }


def time_codes(make: Callable[[str], bytes], count: int) -> dict[str, float]:
    for k in range(WARMUP):
        make(qr_payload(BASE_URL, short_code(10_000 + k)))
    payloads = [qr_payload(BASE_URL, short_code(k)) for k in range(count)]
    gc.collect()
    times, size = [], 0
    for payload in payloads:
        start = time.perf_counter_ns()
        size = len(make(payload))
        times.append(time.perf_counter_ns() - start)
    total = sum(times) / 1e9
    return {
        "per_second": count / total,
        "median_ms": statistics.median(times) / 1e6,
        "p95_ms": percentile(times, 95) / 1e6,
        "bytes": size,
    }


def poster_content(preview: bytes, logo: bytes, index: int) -> PosterContent:
    return PosterContent(
        title={
            "fi": "Ulkokuntosali Käpylän urheilupuistoon",
            "sv": "Utegym till Åggelby idrottspark",
            "en": "An outdoor gym for Käpylä sports park",
        },
        text={
            "fi": "Leuanvetotangot, dippitelineet ja penkki kumialustalla. Budjetti 45 000 €.",
            "sv": "Räckstänger, dipställningar och en bänk på gummiunderlag. Budget 45 000 €.",
            "en": "Pull-up bars, dip stations and a bench on a rubber surface. Budget €45,000.",
        },
        payload=qr_payload(BASE_URL, short_code(index)),
        campaign="OmaStadi 2025 – Itäinen suurpiiri / Östra stordistriktet",
        preview=preview,
        city_logo=logo,
    )


def time_poster(
    preview: bytes,
    size: str,
    langs: tuple[str, ...],
    fonts: PosterFonts,
    logo: bytes,
    png: bool = False,
    runs: int = 30,
) -> dict[str, float]:
    def once(index: int) -> bytes:
        content = poster_content(preview, logo, index)
        if png:
            return poster_png(content, size, langs, fonts=fonts, dpi=96)
        return poster_pdf(content, size, langs, fonts=fonts)

    start = time.perf_counter_ns()
    once(50_000)  # the first in this process: fonts parsed and registered
    first = (time.perf_counter_ns() - start) / 1e6
    for k in range(WARMUP):
        once(60_000 + k)
    gc.collect()
    times, size_bytes = [], 0
    for k in range(runs):
        start = time.perf_counter_ns()
        size_bytes = len(once(k))
        times.append(time.perf_counter_ns() - start)
    return {
        "median_ms": statistics.median(times) / 1e6,
        "p95_ms": percentile(times, 95) / 1e6,
        "first_ms": first,
        "bytes": size_bytes,
    }


def time_batch(preview: bytes, fonts: PosterFonts, logo: bytes, count: int) -> dict[str, float]:
    """``count`` A4 posters (fi + sv), each a new code: PDF alone, then everything a campaign's
    zip holds per idea (poster PDF and PNG preview, the code as SVG, PDF and PNG)."""
    plain = choose_qr(DISTANCE_M)
    gc.collect()
    start = time.perf_counter()
    for k in range(count):
        poster_pdf(poster_content(preview, logo, 70_000 + k), "a4", fonts=fonts)
    posters = time.perf_counter() - start
    start = time.perf_counter()
    for k in range(count):
        content = poster_content(preview, logo, 80_000 + k)
        poster_pdf(content, "a4", fonts=fonts)
        poster_png(content, "a4", fonts=fonts, dpi=96)
        qr_svg(content.payload, plain, size_mm=CODE_SIZE_MM)
        qr_pdf(content.payload, plain, CODE_SIZE_MM)
        qr_png(content.payload, plain, CODE_SIZE_MM, CODE_DPI)
    everything = time.perf_counter() - start
    return {"count": count, "posters_s": posters, "with_codes_and_previews_s": everything}


def segment_savings() -> list[dict[str, Any]]:
    """Symbol versions of ``base/q/7K3M9QX``: one byte segment (what a plain encoder makes)
    against our segments; a version is 4 modules a side."""
    rows = []
    for base in SEGMENT_BASES:
        payload = qr_payload(base, "7K3M9QX")
        for level in ("M", "H"):
            plain = segno.make(payload, error=level, mode="byte", micro=False, boost_error=False)
            ours = encode_qr(payload, level)  # type: ignore[arg-type]
            rows.append(
                {
                    "payload": payload,
                    "level": level,
                    "byte_version": int(plain.version),
                    "segmented_version": ours.version,
                    "modules_saved": 4 * (int(plain.version) - ours.version),
                }
            )
    return rows


def make_preview(size: str) -> bytes:
    """A real render of the outdoor gym at the poster's picture size (200 dpi), or a drawn
    stand-in when no OpenGL context can be made."""
    width, height = preview_pixels(size, dpi=200)  # type: ignore[arg-type]
    try:
        from arservice.parametric import build_scene
        from arservice.render import RendererUnavailableError, render_preview
        from arservice.store.builtin import builtin_template, material_library

        scene = build_scene(builtin_template("outdoor-gym"), {}, library=material_library())
        try:
            return render_preview(scene, width=width, height=height)
        except RendererUnavailableError as exc:
            print(f"note: {exc}; a drawn preview is used", file=sys.stderr)
    except ImportError as exc:
        print(f"note: {exc}; a drawn preview is used", file=sys.stderr)
    image = Image.new("RGB", (width, height), (236, 236, 232))
    ImageDraw.Draw(image).rectangle(
        (width // 4, height // 3, width // 2, height // 2), (40, 40, 40)
    )
    return png_bytes(image)


def make_logo() -> bytes:
    image = Image.new("RGBA", (640, 260), (0, 0, 0, 0))
    ImageDraw.Draw(image).rounded_rectangle((0, 0, 639, 259), 40, fill=(0, 0, 191, 255))
    return png_bytes(image)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def percentile(samples: Sequence[int], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return float(ordered[max(math.ceil(pct / 100 * len(ordered)) - 1, 0)])


def targets(report: dict[str, Any], count: int) -> dict[str, bool]:
    result = {
        f"poster {key} median < {TARGET_POSTER_MS:g} ms": row["median_ms"] < TARGET_POSTER_MS
        for key, row in report["posters"].items()
        if not key.startswith("png")
    }
    scaled = report["batch"]["posters_s"] * 100 / count
    result[f"100 posters < {TARGET_100_POSTERS_S:g} s"] = scaled < TARGET_100_POSTERS_S
    if "redirect" in report:
        result.update(redirect.targets(report["redirect"]))
    return result


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git": head or "unknown",
        "note": "shared machine: other work runs beside the benchmark; timings vary",
    }


def print_machine(report: dict[str, Any]) -> None:
    info = report["machine"]
    print(f"CPU {info['cpu']}, {info['cores']} cores; Python {info['python']}; git {info['git']}")
    print(f"Note: {info['note']}.")


def print_report(report: dict[str, Any], args: argparse.Namespace) -> None:
    print_machine(report)
    print(f"\nQR codes: {args.codes} codes per format, each its own payload, read from 1 m")
    print_table(
        ["format", "codes/s", "median ms", "p95 ms", "bytes"],
        [
            [name, row["per_second"], row["median_ms"], row["p95_ms"], row["bytes"]]
            for name, row in report["codes"].items()
        ],
    )
    print("\nPosters: 30 timed runs after warm-up, preview at 200 dpi, city logo")
    print_table(
        ["poster", "median ms", "p95 ms", "first ms", "bytes"],
        [
            [name, row["median_ms"], row["p95_ms"], row["first_ms"], row["bytes"]]
            for name, row in report["posters"].items()
        ],
    )
    batch = report["batch"]
    print(f"\n{batch['count']} A4 posters (fi + sv): {batch['posters_s']:.2f} s for the PDFs;")
    print(
        f"  {batch['with_codes_and_previews_s']:.2f} s with each poster's PNG preview and its"
        " code as SVG, PDF and PNG"
    )
    print("\nSegmenting the payload (byte + alphanumeric) against one byte segment")
    print_table(
        ["payload", "level", "byte version", "segmented", "modules saved"],
        [
            [
                r["payload"],
                r["level"],
                r["byte_version"],
                r["segmented_version"],
                r["modules_saved"],
            ]
            for r in report["segments"]
        ],
    )
    if "redirect" in report:
        redirect.print_redirect(report["redirect"])
    print_targets(report)


def print_targets(report: dict[str, Any]) -> None:
    print("\nTargets")
    missed = 0
    for label, ok in report["targets"].items():
        missed += not ok
        print(f"  {'PASS' if ok else 'MISS'}  {label}")
    print(f"\n{'All targets met.' if not missed else f'{missed} target(s) MISSED.'}")


def print_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[cell(value) for value in row] for row in rows]
    widths = [max(len(text) for text in column) for column in zip(header, *cells, strict=True)]
    for line in [list(header), ["-" * w for w in widths], *cells]:
        parts = [
            text.ljust(w) if k == 0 else text.rjust(w)
            for k, (text, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(parts).rstrip())


def cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 100 else f"{value:.2f}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
