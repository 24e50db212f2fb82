"""Benchmark: build + export time and GLB cost of every built-in template.

    .venv/bin/python benchmarks/build.py [--runs N] [--template ID ...] [--json]

For each built-in template, at its default values and at its "worst corner" (the parameter corner
with the most triangles), in one warm process: the template is loaded once, a few warm-up builds
run, then ``build_scene`` + ``export_glb`` are timed ``--runs`` times with ``perf_counter_ns``.
The GLB is counted with ``inspect_glb`` and compared with ``gltfpack -noq`` (no quantization).

A benchmark reports; it does not fail: the exit status is 0 whatever the targets say (2 only for
a usage error such as an unknown template id).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from arservice.errors import ArServiceError
from arservice.gltf import export_glb, inspect_glb
from arservice.parametric import Template, build_scene, resolve_params
from arservice.parametric.schema import MaterialSchema, ParamSchema
from arservice.store.builtin import builtin_template, builtin_template_paths, material_library

ROOT = Path(__file__).resolve().parent.parent
GLTFPACK = ROOT / "node_modules" / ".bin" / "gltfpack"
WARMUP_RUNS = 10
MAX_CORNERS = 256
"""Up to this many corner combinations are all built; past it, this many are sampled."""
TARGET_MEDIAN_MS = 30.0
TARGET_GLTFPACK_RATIO = 1.5
NAMES_KEPT_DRAW_CALLS = 0
"""Extra draw calls allowed for kept names: 0, the part names live in ``extras``."""
NUMERIC = {"integer", "number", "length", "angle"}

Values = dict[str, Any]
Scored = tuple[tuple[int, int], Values]  # ((triangles, GLB bytes), values)
TIME_HEADER = ["template", "case", "median", "p95", "build", "export", "first"]
SIZE_HEADER = ["template", "case", "bytes", "tris", "draws", "mats"]
SIZE_HEADER += ["gp bytes", "gp tris", "gp draws", "ours/gp"]


@dataclass
class Row:
    """One measured case: a template at some values."""

    template: str
    case: str  # "default" or "worst corner"
    values: Values
    runs: int = 0
    median_ms: float = math.nan  # build_scene + export_glb
    p95_ms: float = math.nan
    build_median_ms: float = math.nan
    export_median_ms: float = math.nan
    first_ms: float = math.nan  # the first build + export of these values in this process
    glb_bytes: int = 0
    triangles: int = 0
    draw_calls: int = 0
    materials: int = 0
    gltfpack_bytes: int | None = None
    gltfpack_triangles: int | None = None
    gltfpack_draw_calls: int | None = None
    ratio: float | None = None  # ours / gltfpack -noq
    search: str = ""  # how the worst corner was found
    error: str | None = None
    targets: dict[str, bool] = field(default_factory=dict)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="timed runs per case (200)")
    parser.add_argument("--template", nargs="+", metavar="ID", help="only these templates")
    parser.add_argument("--json", action="store_true", help="print the raw numbers as JSON")
    args = parser.parse_args(argv)
    known = builtin_template_paths()
    unknown = sorted(set(args.template or ()) - set(known))
    if unknown:
        parser.error(f"unknown template id(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    ids = [tid for tid in known if not args.template or tid in args.template]
    library = material_library()
    rows: list[Row] = []
    for tid in ids:
        rows.extend(bench_template(tid, library, args.runs))
    for row in rows:
        row.targets = check_targets(row)
    if args.json:
        report = {"machine": machine(), "rows": [no_nan(asdict(r)) for r in rows]}
        print(json.dumps(report, indent=2, allow_nan=False))
    else:
        print_report(rows, args.runs)
    return 0


def no_nan(fields: dict[str, Any]) -> dict[str, Any]:
    """NaN (not measured) as None, so that the output is strict JSON."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in fields.items()}


def bench_template(tid: str, library: Mapping[str, MaterialSchema], runs: int) -> list[Row]:
    """The default row and the worst-corner row of one template."""
    try:
        template = builtin_template(tid)  # loaded once, outside every timed loop
    except ArServiceError as exc:
        return [Row(tid, "default", {}, error=f"load: {exc}")]
    default = Row(tid, "default", dict(resolve_params(template.params, {})))
    measure(default, template, library, runs)
    corner, search = worst_corner(template, library)
    if corner is None:
        return [default, Row(tid, "worst corner", {}, search=search, error="no corner builds")]
    worst = Row(tid, "worst corner", corner, search=search)
    measure(worst, template, library, runs)
    return [default, worst]


def measure(row: Row, template: Template, library: Mapping[str, MaterialSchema], runs: int) -> None:
    """Fill ``row`` with timings and GLB figures; an ArServiceError goes into ``row.error``."""

    def once() -> tuple[int, int, int, bytes]:
        start = time.perf_counter_ns()
        scene = build_scene(template, row.values, library=library)
        built = time.perf_counter_ns()
        glb = export_glb(scene)
        return start, built, time.perf_counter_ns(), glb

    try:
        start, _, end, glb = once()
        row.first_ms = (end - start) / 1e6
        for _ in range(WARMUP_RUNS):
            once()
        gc.collect()
        builds, exports, totals = [], [], []
        for _ in range(runs):
            start, built, end, glb = once()
            builds.append(built - start)
            exports.append(end - built)
            totals.append(end - start)
    except ArServiceError as exc:
        row.error = str(exc)
        return
    row.runs = runs
    row.median_ms = statistics.median(totals) / 1e6
    row.p95_ms = percentile(totals, 95) / 1e6
    row.build_median_ms = statistics.median(builds) / 1e6
    row.export_median_ms = statistics.median(exports) / 1e6
    count_glb(row, glb)


def percentile(samples: Sequence[int], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return float(ordered[max(math.ceil(pct / 100 * len(ordered)) - 1, 0)])


def count_glb(row: Row, glb: bytes) -> None:
    stats = inspect_glb(glb)
    row.glb_bytes, row.triangles = stats.byte_size, stats.triangles
    row.draw_calls, row.materials = stats.draw_calls, stats.materials
    packed = run_gltfpack(glb)
    if packed is not None:
        packed_stats = inspect_glb(packed)
        row.gltfpack_bytes = packed_stats.byte_size
        row.gltfpack_triangles = packed_stats.triangles
        row.gltfpack_draw_calls = packed_stats.draw_calls
        row.ratio = stats.byte_size / packed_stats.byte_size


def run_gltfpack(glb: bytes) -> bytes | None:
    """``gltfpack -noq`` of ``glb``, or None when gltfpack is missing or fails (said on stderr)."""
    if not GLTFPACK.exists():
        print(f"note: {GLTFPACK} is missing; run `npm ci`", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.glb", Path(folder) / "out.glb"
        source.write_bytes(glb)
        command = [str(GLTFPACK), "-i", str(source), "-o", str(target), "-noq"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not target.exists():
            print(f"note: gltfpack failed: {done.stderr.strip()}", file=sys.stderr)
            return None
        return target.read_bytes()


# -- the worst corner --------------------------------------------------------------------------
def corner_candidates(param: ParamSchema) -> list[Any]:
    """The values a corner may take: numbers at min and max, both booleans, every option."""
    if param.type in NUMERIC:  # the maximum first
        ends: list[Any] = [end for end in (param.max, param.min) if end is not None]
        ends = ends or [param.default]
        if param.type == "integer":
            ends = [int(end) for end in ends]
        return list(dict.fromkeys(ends))
    if param.type == "boolean":
        return [True, False]
    if param.type == "choice":
        return list(param.options) if param.options else [param.default]
    return [param.default]  # colour, text: no geometry depends on the extremes


def worst_corner(
    template: Template, library: Mapping[str, MaterialSchema]
) -> tuple[Values | None, str]:
    """The corner with the most triangles (ties: the larger GLB) that builds; how it was found.

    Up to MAX_CORNERS combinations are all built; past that, MAX_CORNERS of them (the first one
    and a seeded random sample) are built, then a greedy search climbs from the best of those.
    """
    candidates = {name: corner_candidates(p) for name, p in template.params.items()}
    total = math.prod(len(options) for options in candidates.values())
    tried = built = 0

    def score(values: Values) -> tuple[int, int] | None:
        nonlocal tried, built
        tried += 1
        try:
            stats = inspect_glb(export_glb(build_scene(template, values, library=library)))
        except ArServiceError:
            return None
        built += 1
        return stats.triangles, stats.byte_size

    sampled = total > MAX_CORNERS
    indices: Sequence[int] = range(total)
    if sampled:
        indices = sorted({0, *random.Random(0).sample(range(1, total), MAX_CORNERS - 1)})
    best: Scored | None = None
    for index in indices:
        values = corner_at(candidates, index)
        key = score(values)
        if key is not None and (best is None or key > best[0]):
            best = key, values
    if not sampled:
        return (None if best is None else best[1]), f"all {total} corners, {built} build"
    best = greedy_corner(candidates, score, best)
    how = f"{MAX_CORNERS} sampled of {total} corners + greedy: {tried} tried, {built} build"
    return (None if best is None else best[1]), how


def corner_at(candidates: Mapping[str, list[Any]], index: int) -> Values:
    """The ``index``-th combination in ``itertools.product`` order (the last varies fastest)."""
    values: Values = {}
    for name, options in reversed(list(candidates.items())):
        index, k = divmod(index, len(options))
        values[name] = options[k]
    return {name: values[name] for name in candidates}


def greedy_corner(
    candidates: Mapping[str, list[Any]],
    score: Callable[[Values], tuple[int, int] | None],
    best: Scored | None,
) -> Scored | None:
    """From ``best``, change one parameter at a time while that adds triangles."""
    if best is None:
        return None
    improved = True
    while improved:
        improved = False
        for name, options in candidates.items():
            for option in options:
                if option == best[1][name]:
                    continue
                values = {**best[1], name: option}
                key = score(values)
                if key is not None and key > best[0]:
                    best, improved = (key, values), True
    return best


# -- targets and report ------------------------------------------------------------------------
def check_targets(row: Row) -> dict[str, bool]:
    if row.error is not None:
        return {}
    targets = {
        f"median build+export < {TARGET_MEDIAN_MS:g} ms": row.median_ms < TARGET_MEDIAN_MS,
        "draw calls <= materials": row.draw_calls <= row.materials + NAMES_KEPT_DRAW_CALLS,
    }
    if row.ratio is not None:
        label = f"GLB <= {TARGET_GLTFPACK_RATIO:g} x gltfpack -noq"
        targets[label] = row.ratio <= TARGET_GLTFPACK_RATIO
    return targets


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "git": git_revision(),
        "note": "shared machine: other work runs beside the benchmark; timings vary",
    }


def git_revision() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" (work tree has uncommitted changes)" if git("status", "--porcelain") else "")


def print_report(rows: Sequence[Row], runs: int) -> None:
    info = machine()
    print(f"CPU {info['cpu']}, {info['cores']} cores ({info['cores_usable']} usable)")
    print(f"Python {info['python']}, numpy {info['numpy']}, {info['platform']}")
    print(f"git {info['git']}")
    print(f"Note: {info['note']}.")
    print(f"\nTime, ms: {runs} timed runs after {WARMUP_RUNS} warm-up runs, template loaded once")
    print_table(TIME_HEADER, [time_cells(r) for r in rows])
    print("\nGLB (ours) and the same GLB after `gltfpack -noq`")
    print_table(SIZE_HEADER, [size_cells(r) for r in rows])
    print("\nWorst corners")
    for r in rows:
        if r.case == "worst corner":
            shown = ", ".join(f"{k}={v}" for k, v in r.values.items())
            print(f"  {r.template}: {shown or '-'}  [{r.search}]")
    print_targets(rows)


def time_cells(r: Row) -> list[Any]:
    return [
        r.template,
        r.case,
        r.median_ms,
        r.p95_ms,
        r.build_median_ms,
        r.export_median_ms,
        r.first_ms,
    ]


def size_cells(r: Row) -> list[Any]:
    if r.error is not None:
        return [r.template, r.case, *([None] * (len(SIZE_HEADER) - 2))]
    ours = [r.glb_bytes, r.triangles, r.draw_calls, r.materials]
    packed = [r.gltfpack_bytes, r.gltfpack_triangles, r.gltfpack_draw_calls, r.ratio]
    return [r.template, r.case, *ours, *packed]


def print_targets(rows: Sequence[Row]) -> None:
    print("\nTargets")
    missed = 0
    for r in rows:
        if r.error is not None:
            print(f"  ERROR {r.template} ({r.case}): {r.error}")
            missed += 1
        for label, ok in r.targets.items():
            missed += not ok
            print(f"  {'pass' if ok else 'FAIL'}  {r.template} ({r.case}): {label}")
    print(f"\n{'All targets met.' if not missed else f'{missed} target(s) MISSED.'}")


def print_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[cell(value) for value in row] for row in rows]
    widths = [max(len(text) for text in column) for column in zip(header, *cells, strict=True)]
    for line in [list(header), ["-" * w for w in widths], *cells]:
        parts = [
            text.ljust(w) if k < 2 else text.rjust(w)
            for k, (text, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(parts).rstrip())


def cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
