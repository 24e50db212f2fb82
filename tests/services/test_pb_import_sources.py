"""Which addresses an import may read: public ones only (unless told otherwise), checked before
anything is read and again for every connection, so a name that changes its answer between
the check and the connection (DNS rebinding) cannot reach the server's own network.

The site is the local Decidim of ``tests/support/decidim_server.py`` on 127.0.0.1, reached
under a made-up name whose resolution each test controls (``socket.getaddrinfo`` is replaced
for that name only; every other name resolves as usual).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from arservice.pb.errors import SourceError
from arservice.services import pb_import_sources
from arservice.services.pb_import_sources import DecidimRequest, Reader, read_decidim
from tests.support.decidim_server import DecidimServer, running_decidim

NAME = "decidim.example"
PUBLIC = "93.184.215.14"
"""A public address (not ours to reach: the tests never connect to it)."""


@pytest.fixture
def decidim() -> Iterator[DecidimServer]:
    with running_decidim() as server:
        yield server
        assert server.rejected == []


def resolving(monkeypatch: pytest.MonkeyPatch, answers: Callable[[int], str]) -> list[str]:
    """``NAME`` resolves to ``answers(n)`` at its n-th lookup (0, 1, ...); the lookups so far."""
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != NAME:
            return real(host, port, *args, **kwargs)
        address = answers(len(looked_up))
        looked_up.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


def under_name(server: DecidimServer) -> DecidimRequest:
    port = urlsplit(server.url).port
    return DecidimRequest(f"http://{NAME}:{port}/api", "10", accountability="12")


def test_a_name_that_turns_private_after_the_check_is_refused_at_the_connection(
    decidim: DecidimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first look says public, the connection's look says 127.0.0.1: refused there, and
    the local server hears nothing."""
    looked_up = resolving(monkeypatch, lambda n: PUBLIC if n == 0 else "127.0.0.1")
    with pytest.raises(SourceError) as refused:
        read_decidim(under_name(decidim), Reader(sleep=lambda seconds: None))
    assert "is an address of a private or local network" in refused.value.describe("en")
    assert looked_up == [PUBLIC, "127.0.0.1"]
    assert decidim.queries == []


def test_each_connection_goes_to_the_address_it_checked_not_to_a_new_lookup(
    decidim: DecidimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the check passing (here: it accepts the local server, as if it were public), the
    import reads the site through the guarded transport, and every connection is made to the
    checked address: the name itself is never resolved again behind the check's back."""
    looked_up = resolving(monkeypatch, lambda n: "127.0.0.1")
    checked: list[str] = []

    def accept_local(host: str) -> list[str]:
        checked.append(host)
        return [info[4][0] for info in socket.getaddrinfo(host, None)]

    monkeypatch.setattr(pb_import_sources, "check_public_host", accept_local)
    found = read_decidim(under_name(decidim), Reader(sleep=lambda seconds: None))
    assert len(found.projects) > 1
    assert decidim.queries  # the site was read
    # One check before reading, then one per connection the client opened; no other lookup.
    assert checked[0] == NAME
    assert len(checked) >= 2
    assert len(looked_up) == len(checked)


def test_a_private_address_is_refused_before_anything_is_read(decidim: DecidimServer) -> None:
    with pytest.raises(SourceError) as refused:
        read_decidim(DecidimRequest(decidim.api, "10"), Reader(sleep=lambda seconds: None))
    assert "127.0.0.1 is an address of a private or local network" in refused.value.describe("en")
    assert decidim.queries == []
