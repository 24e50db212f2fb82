"""Fixtures shared by every test package."""

from __future__ import annotations

import pytest

from tests.support.gltf_validator import GltfValidator


@pytest.fixture(scope="session")
def gltf_validator() -> GltfValidator:
    """The Khronos glTF Validator: ``validate(blobs)`` once per batch, ``assert_valid(report)``."""
    return GltfValidator()
