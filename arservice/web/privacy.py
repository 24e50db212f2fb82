"""No client address in the server's access log.

uvicorn's access log writes every request as ``203.0.113.7:51234 - "GET /q/7K3M9QX HTTP/1.1"
302``: the address of a phone beside the time it stood at a printed sign, and a moment later the
same address fetching ``/i/{slug}``. The issue's rule is that no IP address of a scan is stored
or logged, and since the redirect's target is fetched from the same address, hiding it for
``/q/`` alone would hide nothing: the address is replaced by ``-`` on every line. The method,
path, status and time stay, which is what operations read the log for.

A reverse proxy in front of the service keeps its own log: configure it likewise
(``docs/scans.md``).
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"
HIDDEN = "-"


class HideClientAddress(logging.Filter):
    """Replaces the client address (the first argument of uvicorn's access record) by ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[0], str):
            record.args = (HIDDEN, *args[1:])
        return True


def hide_client_addresses() -> None:
    """Install :class:`HideClientAddress` on uvicorn's access logger, once per process (the
    app's lifespan calls it: whoever starts the app, ``arservice serve`` or ``uvicorn``)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, HideClientAddress) for f in logger.filters):
        logger.addFilter(HideClientAddress())
