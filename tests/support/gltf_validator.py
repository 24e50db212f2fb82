"""The Khronos glTF Validator, run from Python through ``tools/validate-gltf.mjs``.

Node starts slowly, so :func:`validate_glbs` validates a whole batch in one process; collect the
GLBs a test module makes and validate them together. :func:`assert_valid_glb` fails a test unless
a report has no errors and no warnings; infos and hints pass but are printed, so ``pytest -rA``
(or a failing test) shows them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "validate-gltf.mjs"
TIMEOUT_SECONDS = 300

Report = dict[str, Any]


def validate_glbs(blobs: Sequence[bytes]) -> list[Report]:
    """One validator report per blob, in order, from a single Node process."""
    if not blobs:
        return []
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed to run the glTF validator (tools/validate-gltf.mjs)")
    with tempfile.TemporaryDirectory(prefix="gltf-validate-") as folder:
        paths = []
        for number, blob in enumerate(blobs):
            path = Path(folder) / f"model-{number:04d}.glb"
            path.write_bytes(blob)
            paths.append(str(path))
        result = subprocess.run(
            [node, str(SCRIPT), *paths],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    if result.returncode != 0:
        pytest.fail(
            f"the glTF validator could not run (exit {result.returncode}; is `npm ci` done?):\n"
            f"{result.stderr}"
        )
    reports: list[Report] = json.loads(result.stdout)
    assert len(reports) == len(blobs), "the validator returned a report per file"
    return reports


def assert_valid_glb(report: Report) -> None:
    """Fail unless the report has 0 errors and 0 warnings; print its infos and hints."""
    issues = report["issues"]
    messages = issues.get("messages", [])
    for message in messages:
        if message["severity"] >= 2:
            print(f"glTF validator, {report.get('uri')}: {_describe(message)}")
    if issues["numErrors"] or issues["numWarnings"]:
        problems = "\n".join(_describe(m) for m in messages if m["severity"] < 2)
        pytest.fail(
            f"the glTF validator found {issues['numErrors']} errors and "
            f"{issues['numWarnings']} warnings in {report.get('uri')}:\n{problems}"
        )


@dataclass(frozen=True)
class GltfValidator:
    """What the ``gltf_validator`` fixture hands a test."""

    def validate(self, blobs: Sequence[bytes]) -> list[Report]:
        return validate_glbs(blobs)

    def assert_valid(self, report: Report) -> None:
        assert_valid_glb(report)

    def check(self, blobs: Sequence[bytes]) -> None:
        """Validate a batch and assert every report is clean."""
        for report in self.validate(blobs):
            self.assert_valid(report)


_SEVERITY = {0: "error", 1: "warning", 2: "info", 3: "hint"}


def _describe(message: dict[str, Any]) -> str:
    severity = _SEVERITY.get(message["severity"], str(message["severity"]))
    pointer = f" at {message['pointer']}" if "pointer" in message else ""
    return f"{severity} {message['code']}{pointer}: {message['message']}"
