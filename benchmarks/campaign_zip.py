"""Benchmark: a campaign's zip of codes and posters, end to end, as the API and the CLI make it.

On a real SQLite database with the demo ideas published (their previews rendered), a campaign of
``--ideas`` ideas (100 by default: copies of the demo ideas, each with its own code) is planned
and written: per idea a poster PDF (A4, fi + sv) and its PNG preview, and the code as SVG, PDF
and PNG. Timed twice: without and with a city logo (a logo forces level H and colour PNGs).

    .venv/bin/python benchmarks/campaign_zip.py [--ideas 100] [--json]

Target (issue 6): 100 posters under 20 s end to end. (The other target, a poster under 150 ms,
is the poster alone: benchmarks/qr.py; an idea here is a poster, its preview and three codes.)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from arservice.services import campaign_bundle, campaigns, site_assets
from arservice.services.artifacts import ArtifactBuilder
from arservice.services.campaign_input import CampaignCreate
from arservice.services.demo import seed_demo_ideas
from arservice.services.templates import sync_builtin_templates
from arservice.store import repositories as repo
from arservice.store.blobs import LocalBlobStore
from arservice.store.db import make_engine, migrate, session_factory
from arservice.store.fonts import poster_fonts
from arservice.store.models import Idea, IdeaStatus

TARGET_TOTAL_S = 20.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=100, help="ideas in the campaign (100)")
    parser.add_argument("--json", action="store_true", help="print the raw numbers as JSON")
    args = parser.parse_args(argv)
    if args.ideas < 2:
        parser.error("--ideas must be at least 2")
    report: dict[str, Any] = {"machine": machine(), "ideas": args.ideas, "runs": {}}
    for with_logo in (False, True):
        name = "with logo" if with_logo else "no logo"
        report["runs"][name] = run(args.ideas, with_logo)
    report["targets"] = {
        f"{name}: {args.ideas} ideas < {TARGET_TOTAL_S:g} s (scaled to 100)": (
            r["total_s"] * 100 / args.ideas < TARGET_TOTAL_S
        )
        for name, r in report["runs"].items()
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


def run(count: int, with_logo: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = make_engine(f"sqlite:///{folder / 'arservice.db'}")
        migrate(engine)
        blobs = LocalBlobStore(folder / "blobs")
        with session_factory(engine, write=True).begin() as session:
            sync_builtin_templates(session)
            seed_demo_ideas(session, blobs, ArtifactBuilder())
            demo = repo.list_published_ideas(session)
            slugs = []
            for index in range(count):
                source = demo[index % len(demo)]
                idea = Idea(
                    slug=f"idea-{index:03d}",
                    status=IdeaStatus.PUBLISHED,
                    title=dict(source.title),
                    summary=dict(source.summary),
                    png_sha256=source.png_sha256,
                )
                repo.add_idea(session, idea)
                slugs.append(idea.slug)
            if with_logo:
                site_assets.upload_logo(
                    session, blobs, make_logo(), max_bytes=2_000_000, actor_id=None
                )
            name = {"fi": "OmaStadi 2025 -voittajat", "sv": "OmaStadi 2025 vinnare"}
            slug = campaigns.create_campaign(
                session, CampaignCreate(name=name, ideas=slugs), actor_id=None
            ).slug
        fonts = poster_fonts()
        marks: list[float] = []
        start = time.perf_counter()
        with session_factory(engine).begin() as session:
            plan = campaign_bundle.plan_bundle(session, blobs, slug)
        planned = time.perf_counter()
        out = folder / "campaign.zip"
        campaign_bundle.write_bundle(
            plan,
            blobs,
            out,
            base_url="https://ar.hel.fi",
            fonts=fonts,
            progress=lambda done, total: marks.append(time.perf_counter()),
        )
        end = time.perf_counter()
        engine.dispose()
        steps = [(b - a) * 1000 for a, b in zip([planned, *marks], marks, strict=False)]
        return {
            "plan_s": planned - start,
            "write_s": end - planned,
            "total_s": end - start,
            "idea_ms_p50": statistics.median(steps),
            "idea_ms_max": max(steps),
            "zip_mb": out.stat().st_size / 1e6,
        }


def make_logo() -> bytes:
    image = Image.new("RGBA", (480, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 479, 199), 40, fill=(0, 114, 198, 255))
    draw.ellipse((20, 20, 180, 180), fill=(255, 200, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_1min": os.getloadavg()[0],
    }


def print_report(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, load {m['load_1min']:.1f}")
    print(f"campaign of {report['ideas']} ideas (A4 poster fi+sv, PNG preview, QR SVG/PDF/PNG)")
    for name, r in report["runs"].items():
        print(
            f"  {name:9}  total {r['total_s']:6.2f} s  (plan {r['plan_s'] * 1000:.0f} ms)  "
            f"idea p50 {r['idea_ms_p50']:.0f} ms  max {r['idea_ms_max']:.0f} ms  "
            f"zip {r['zip_mb']:.1f} MB"
        )
    for target, met in report["targets"].items():
        print(f"  [{'met' if met else 'MISSED'}] {target}")


if __name__ == "__main__":
    sys.exit(main())
