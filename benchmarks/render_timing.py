"""Benchmark: preview PNG time for every built-in template at its default values.

    .venv/bin/python benchmarks/render_timing.py [--runs N] [--size PX] [--template ID ...]
                                                 [--no-synthetic] [--json]

In one warm process (the OpenGL context made and the shaders compiled by a first render that is
not timed): each scene is built once, rendered twice to warm up, then ``render_preview`` is timed
``--runs`` times with ``perf_counter``; the median, the minimum and the maximum are reported,
with the share of the PNG encoding (``render_image`` alone, timed the same way). A synthetic
model of about 100k triangles (the model contract's ceiling) is timed as well.

The target is 300 ms at 1024 px. A benchmark reports; it does not fail: the exit status is 0
whatever the target says (2 only for a usage error such as an unknown template id). Other work
on the machine moves the numbers: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arservice.parametric import build_scene
from arservice.parametric.scene import Instance, Material, MeshData, Scene, SceneInfo
from arservice.render import render_image, render_preview
from arservice.store.builtin import builtin_template, builtin_template_paths, material_library

TARGET_MS = 300.0


def synthetic_scene(triangles: int = 100_000) -> Scene:
    """A grid of UV spheres on a slab: about ``triangles`` triangles, 10 materials."""
    rings, segments = 40, 80  # 2 * 40 * 80 = 6400 triangles a sphere (poles included)
    theta = np.linspace(0.0, np.pi, rings + 1)
    phi = np.linspace(0.0, 2.0 * np.pi, segments + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    normals = np.stack([np.sin(t) * np.cos(p), np.cos(t), np.sin(t) * np.sin(p)], axis=-1)
    normals = normals.reshape(-1, 3).astype(np.float32)
    grid = np.arange((rings + 1) * (segments + 1)).reshape(rings + 1, segments + 1)
    a, b = grid[:-1, :-1].ravel(), grid[:-1, 1:].ravel()
    c, d = grid[1:, :-1].ravel(), grid[1:, 1:].ravel()
    indices = np.concatenate([np.stack([a, b, c], 1), np.stack([b, d, c], 1)]).astype(np.uint32)
    sphere = MeshData(positions=normals * 0.5, normals=normals, indices=indices)
    count = max(1, triangles // sphere.triangle_count)
    side = int(np.ceil(np.sqrt(count)))
    materials = {
        f"m{k}": Material(
            name=f"m{k}",
            base_color=(0.1 + 0.08 * k, 0.3, 0.8 - 0.07 * k, 1.0),
            metallic=1.0 if k % 3 == 0 else 0.0,
            roughness=0.3 + 0.06 * k,
        )
        for k in range(10)
    }
    instances = []
    for k in range(count):
        matrix = np.eye(4)
        matrix[:3, 3] = [(k % side - side / 2) * 1.2, 0.5, (k // side - side / 2) * 1.2]
        instances.append(Instance(f"sphere_{k}", sphere, f"m{k % 10}", matrix))
    info = SceneInfo(template_id="synthetic", template_version=1, params={})
    return Scene(instances=tuple(instances), materials=materials, info=info)


def timed(action: Callable[[], Any], runs: int) -> list[float]:
    action()
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--template", nargs="*", default=None)
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    known = list(builtin_template_paths())
    ids = args.template if args.template is not None else known
    unknown = [i for i in ids if i not in known]
    if unknown:
        print(f"unknown template ids: {', '.join(unknown)}; known: {', '.join(known)}")
        return 2
    scenes = {i: build_scene(builtin_template(i), {}, library=material_library()) for i in ids}
    if not args.no_synthetic:
        scenes["synthetic-100k"] = synthetic_scene()
    first = time.perf_counter()
    render_preview(next(iter(scenes.values())), size=args.size)
    cold_ms = (time.perf_counter() - first) * 1000.0
    results = []
    for name, scene in scenes.items():
        total = timed(lambda s=scene: render_preview(s, size=args.size), args.runs)
        image = timed(lambda s=scene: render_image(s, size=args.size), args.runs)
        results.append(
            {
                "template": name,
                "triangles": scene.triangle_count,
                "median_ms": statistics.median(total),
                "min_ms": min(total),
                "max_ms": max(total),
                "png_ms": max(0.0, statistics.median(total) - statistics.median(image)),
            }
        )
    if args.json:
        print(json.dumps({"size": args.size, "cold_ms": cold_ms, "results": results}, indent=2))
        return 0
    print(
        f"preview PNG at {args.size} px, {args.runs} runs each; first render (context, "
        f"shaders) {cold_ms:.0f} ms; target {TARGET_MS:.0f} ms"
    )
    print(f"{'template':16} {'triangles':>9} {'median':>8} {'min':>7} {'max':>7} {'png':>6}")
    for r in results:
        flag = "" if r["median_ms"] <= TARGET_MS else "  over target"
        print(
            f"{r['template']:16} {r['triangles']:9d} {r['median_ms']:7.0f}ms {r['min_ms']:6.0f}ms "
            f"{r['max_ms']:6.0f}ms {r['png_ms']:5.0f}ms{flag}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
