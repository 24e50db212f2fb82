"""Reading a source for an import: a Decidim site over HTTP, or a CSV file.

Reading happens before any write (the import runs afterwards in one transaction), so a site
that fails half-way leaves the database as it was. This is where the HTTP client is made and
where the address is checked: the web API lets a planner name any site, so by default only
public addresses are read (no loopback, private, link-local or reserved network), and the
client follows no redirect. Tests and a city's own intranet Decidim pass
``allow_private=True``.

The check is made twice: once before anything is read (a clear error at once), and again for
every connection the client opens, which connects to the very address it has just checked
(``PublicOnlyBackend``). Without the second, a name that resolves to a public address for the
first look and to 127.0.0.1 for the connection (DNS rebinding) would reach the server's own
network.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore
import httpx

from arservice import __version__
from arservice.pb.csv_source import read_projects_csv
from arservice.pb.decidim import DecidimRead, DecidimSite, Progress, site_and_endpoint
from arservice.pb.errors import MSG_PRIVATE_HOST, MSG_UNREACHABLE, SourceError
from arservice.pb.graphql import GraphQLClient, Politeness
from arservice.pb.records import Project

TIMEOUT_SECONDS = 30.0
USER_AGENT = f"arservice/{__version__} (participatory-budgeting import)"


@dataclass(frozen=True)
class DecidimRequest:
    """What to import from a Decidim site."""

    api: str
    component: str
    budget: str | None = None
    accountability: str | None = None
    winners_only: bool = False

    def describe(self) -> dict[str, object]:
        return {
            "kind": "decidim",
            "api": self.api,
            "component": self.component,
            "budget": self.budget,
            "accountability": self.accountability,
            "winners_only": self.winners_only,
        }


@dataclass(frozen=True)
class Reader:
    """How to reach sites: the transport (tests: any), the politeness, the clock and sleep."""

    allow_private: bool = False
    timeout: float = TIMEOUT_SECONDS
    politeness: Politeness = field(default_factory=Politeness)
    transport: httpx.BaseTransport | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def read_decidim(
    request: DecidimRequest, reader: Reader | None = None, progress: Progress | None = None
) -> DecidimRead:
    """Every project the request names (all of them: winners are picked by the import, which
    reports the others as skipped); SourceError or InputError when the site cannot be read."""
    reader = reader or Reader()
    site, endpoint = site_and_endpoint(request.api)
    if not reader.allow_private:
        check_public_host(urlsplit(site).hostname or "")
    transport = reader.transport
    if transport is None and not reader.allow_private:
        transport = public_only_transport()
    with httpx.Client(
        timeout=reader.timeout,
        transport=transport,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        trust_env=False,
    ) as http:
        client = GraphQLClient(
            http, endpoint, politeness=reader.politeness, clock=reader.clock, sleep=reader.sleep
        )
        return DecidimSite(client, site).read(
            request.component,
            budget=request.budget,
            accountability=request.accountability,
            progress=progress,
        )


def read_csv(data: bytes) -> list[Project]:
    return read_projects_csv(data)


def check_public_host(host: str) -> list[str]:
    """The addresses ``host`` resolves to; SourceError unless every one is public."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise SourceError.single("", MSG_UNREACHABLE, url=host, reason=reason) from None
    addresses: list[str] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            raise SourceError.single("api", MSG_PRIVATE_HOST, host=host)
        addresses.append(str(address))
    return addresses


class PublicOnlyBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, but each connection resolves its host, checks every address
    (``check_public_host``) and connects to a checked one, never to a name resolved again."""

    def __init__(self) -> None:
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = check_public_host(host)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:  # as socket.create_connection: the first that answers
            try:
                return self._sockets.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # check_public_host returned at least one address
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("the import reads sites over TCP only")

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


def public_only_transport() -> httpx.HTTPTransport:
    """httpx's transport, connecting through ``PublicOnlyBackend``. httpx does not take a
    network backend, so its connection pool is replaced by one made as httpx makes it (TLS
    verified with certifi's roots, as httpx's default) that takes one."""
    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        network_backend=PublicOnlyBackend(),
    )
    return transport
