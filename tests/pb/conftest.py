"""The local Decidim API for the client tests; a test fails if a query the schema rejects was
sent (the real Decidim would refuse it too)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.decidim_server import DecidimServer, Variant, running_decidim


@pytest.fixture
def decidim() -> Iterator[DecidimServer]:
    with running_decidim(Variant()) as server:
        yield server
        assert server.rejected == [], "a query Decidim's schema rejects was sent"
