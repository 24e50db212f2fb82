"""A limit on failed logins per account, kept in memory by the app."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from arservice.errors import ErrorItem, TooManyRequestsError
from arservice.i18n import N_

MSG_TOO_MANY_LOGINS = N_("too many failed logins for this account; try again in {minutes} minutes")


class LoginThrottle:
    """At most ``limit`` failed logins per account in ``window`` seconds, in this process.

    Keyed by the normalized email only (no address of the client is kept). Argon2 already
    makes each guess slow; this stops a patient guesser at a handful per window.
    """

    def __init__(
        self, limit: int = 5, window: float = 15 * 60, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] >= self.window:
            failures.popleft()
        return failures

    def check(self, email: str) -> None:
        """Raise TooManyRequestsError while the account is locked."""
        now = self._clock()
        with self._lock:
            failures = self._recent(email, now)
            if len(failures) >= self.limit:
                wait = max(1, int(self.window - (now - failures[0])))
                raise TooManyRequestsError(
                    [ErrorItem("", MSG_TOO_MANY_LOGINS, {"minutes": -(-wait // 60)})],
                    retry_after=wait,
                )
            if not failures:
                self._failures.pop(email, None)

    def failed(self, email: str) -> None:
        with self._lock:
            self._recent(email, self._clock()).append(self._clock())

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(email, None)
