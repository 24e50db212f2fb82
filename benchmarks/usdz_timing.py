"""Benchmark: USDZ export time and size for every built-in template at its default values.

    .venv/bin/python benchmarks/usdz_timing.py [--runs N] [--template ID ...] [--json]

In one warm process (usd-core imported and its plugins loaded by a first export that is not
timed): each scene is built once, exported twice to warm up, then ``export_usdz`` is timed
``--runs`` times with ``perf_counter``; the median, the minimum and the maximum are reported with
the USDZ's size, its triangles and the GLB's size for comparison.

The target is 200 ms per template. A benchmark reports; it does not fail: the exit status is 0
whatever the target says (2 only for a usage error such as an unknown template id). Other work
on the machine moves the numbers: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

from arservice.gltf import export_glb
from arservice.parametric import build_scene
from arservice.store.builtin import builtin_template, builtin_template_paths, material_library
from arservice.usdz import export_usdz

TARGET_MS = 200.0
WARMUP_RUNS = 2


def time_template(template_id: str, runs: int) -> dict[str, Any]:
    scene = build_scene(builtin_template(template_id), {}, library=material_library())
    for _ in range(WARMUP_RUNS):
        usdz = export_usdz(scene)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        export_usdz(scene)
        times.append((time.perf_counter() - start) * 1000)
    return {
        "template": template_id,
        "median_ms": round(statistics.median(times), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
        "usdz_bytes": len(usdz),
        "glb_bytes": len(export_glb(scene)),
        "triangles": scene.triangle_count,
        "meets_target": statistics.median(times) < TARGET_MS,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--template", action="append", dest="templates", metavar="ID")
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    args = parser.parse_args(argv)
    known = sorted(builtin_template_paths())
    templates = args.templates or known
    unknown = sorted(set(templates) - set(known))
    if unknown or args.runs < 1:
        message = f"unknown template(s): {', '.join(unknown)}" if unknown else "--runs must be >= 1"
        print(message, file=sys.stderr)
        return 2
    export_usdz(build_scene(builtin_template(known[0]), {}, library=material_library()))
    rows = [time_template(template_id, args.runs) for template_id in templates]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    header = ["template", "median ms", "min ms", "max ms", "tris", "usdz KB", "glb KB", "< 200"]
    print("  ".join(f"{h:>12}" for h in header))
    for row in rows:
        cells = [
            row["template"],
            f"{row['median_ms']:.1f}",
            f"{row['min_ms']:.1f}",
            f"{row['max_ms']:.1f}",
            str(row["triangles"]),
            f"{row['usdz_bytes'] / 1024:.0f}",
            f"{row['glb_bytes'] / 1024:.0f}",
            "yes" if row["meets_target"] else "NO",
        ]
        print("  ".join(f"{c:>12}" for c in cells))
    print(f"{args.runs} runs each; target: median under {TARGET_MS:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
