"""What a printed code says: the short-link payload and its QR segments.

A payload is ``https://host/q/CODE``: the scheme and host in lower case (some phone cameras do
not offer an all-upper-case ``HTTPS://`` as a link), the code in upper-case Crockford base32 so
that it fits QR alphanumeric mode (5.5 bits a character instead of 8).

:func:`segment_payload` splits a payload into numeric, alphanumeric and byte segments with the
fewest bits (an exact search over every split), so the mixed payload gets the smaller symbol that
alphanumeric mode allows: ``https://ar.hel.fi/q/7K3M9QX`` at level M is a version 2 symbol
(25 x 25 modules) segmented, version 3 (29 x 29) as one byte segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from arservice.errors import InputError
from arservice.i18n import N_

Mode = Literal["numeric", "alphanumeric", "byte"]

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_ALIASES = {"O": "0", "I": "1", "L": "1"}
MIN_CODE_LENGTH = 3
MAX_CODE_LENGTH = 16
MAX_PAYLOAD_LENGTH = 256
SHORT_LINK_PATH = "/q/"

ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
NUMERIC = frozenset("0123456789")
MODES: tuple[Mode, ...] = ("numeric", "alphanumeric", "byte")
# Character-count indicator lengths for versions 1-9, 10-26 and 27-40 (ISO/IEC 18004, table 3).
COUNT_BITS: dict[Mode, tuple[int, int, int]] = {
    "numeric": (10, 12, 14),
    "alphanumeric": (9, 11, 13),
    "byte": (8, 16, 16),
}
MODE_BITS = 4

MSG_BASE_URL = N_("the base address must be an http or https address with a host; it is {value}")
MSG_CODE_CHARS = N_(
    "the short code may only contain the letters and digits of Crockford base32; it is {value}"
)
MSG_CODE_LENGTH = N_("the short code must be {min} to {max} characters long; it has {length}")
MSG_PAYLOAD_EMPTY = N_("the address to encode is empty")
MSG_PAYLOAD_LENGTH = N_("the address to encode may be at most {max} characters; it has {length}")
MSG_PAYLOAD_CHARS = N_("the address to encode may only contain printable ASCII characters")


@dataclass(frozen=True)
class Segment:
    """A run of the payload encoded in one QR mode."""

    text: str
    mode: Mode


def normalize_code(code: str) -> str:
    """A short code as printed: upper case, hyphens dropped, O -> 0 and I, L -> 1 (Crockford)."""
    text = "".join(CODE_ALIASES.get(char, char) for char in code.upper() if char != "-")
    if any(char not in CROCKFORD for char in text):
        raise InputError.single("code", MSG_CODE_CHARS, value=code)
    if not MIN_CODE_LENGTH <= len(text) <= MAX_CODE_LENGTH:
        raise InputError.single(
            "code", MSG_CODE_LENGTH, min=MIN_CODE_LENGTH, max=MAX_CODE_LENGTH, length=len(text)
        )
    return text


def qr_payload(base_url: str, code: str) -> str:
    """``https://ar.hel.fi`` + ``7k3m-9qx`` -> ``https://ar.hel.fi/q/7K3M9QX``.

    The scheme and host are lower-cased (an international host becomes its ASCII form), a path
    on the base address is kept (``https://city.fi/ar`` -> ``https://city.fi/ar/q/CODE``).
    """
    parts = urlsplit(base_url.strip())
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError):
        raise InputError.single("base_url", MSG_BASE_URL, value=base_url) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise InputError.single("base_url", MSG_BASE_URL, value=base_url)
    if parts.query or parts.fragment or not parts.path.isascii():
        raise InputError.single("base_url", MSG_BASE_URL, value=base_url)
    netloc = host if port is None else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}{SHORT_LINK_PATH}{normalize_code(code)}"


def printed_address(payload: str) -> str:
    """The address to type: ``https://ar.hel.fi/q/7K3M9QX`` -> ``ar.hel.fi/q/7K3M9QX``."""
    for prefix in ("https://", "http://"):
        if payload.lower().startswith(prefix):
            return payload[len(prefix) :]
    return payload


def check_payload(payload: str) -> None:
    """Refuse an empty, over-long or non-ASCII payload (place ``payload``)."""
    if not payload:
        raise InputError.single("payload", MSG_PAYLOAD_EMPTY)
    if len(payload) > MAX_PAYLOAD_LENGTH:
        raise InputError.single(
            "payload", MSG_PAYLOAD_LENGTH, max=MAX_PAYLOAD_LENGTH, length=len(payload)
        )
    if not (payload.isascii() and payload.isprintable()):
        raise InputError.single("payload", MSG_PAYLOAD_CHARS)


def segment_payload(payload: str, version_class: int = 0) -> tuple[Segment, ...]:
    """The split of ``payload`` into segments with the fewest bits.

    ``version_class`` is 0 for versions 1-9, 1 for 10-26 and 2 for 27-40 (the character-count
    fields differ). Every split is tried (dynamic programming over the segment ends), so the
    result is optimal, not a heuristic; payloads are at most ``MAX_PAYLOAD_LENGTH`` characters.
    """
    check_payload(payload)
    size = len(payload)
    best: list[tuple[int, int, Mode]] = [(0, 0, "byte")]  # (bits, start of last segment, mode)
    for end in range(1, size + 1):
        choice: tuple[int, int, Mode] | None = None
        for mode in MODES:
            for start in range(end - 1, -1, -1):
                if not fits(payload[start], mode):
                    break
                bits = best[start][0] + segment_bits(mode, end - start, version_class)
                if choice is None or bits < choice[0]:
                    choice = (bits, start, mode)
        assert choice is not None  # byte mode takes any character
        best.append(choice)
    segments: list[Segment] = []
    end = size
    while end > 0:
        _, start, mode = best[end]
        segments.append(Segment(payload[start:end], mode))
        end = start
    return tuple(reversed(segments))


def payload_bits(segments: tuple[Segment, ...], version_class: int = 0) -> int:
    """The data bits of ``segments`` before the terminator and padding."""
    return sum(segment_bits(s.mode, len(s.text), version_class) for s in segments)


def fits(char: str, mode: Mode) -> bool:
    if mode == "numeric":
        return char in NUMERIC
    if mode == "alphanumeric":
        return char in ALPHANUMERIC
    return True


def segment_bits(mode: Mode, length: int, version_class: int) -> int:
    header = MODE_BITS + COUNT_BITS[mode][version_class]
    if mode == "numeric":
        return header + 10 * (length // 3) + (0, 4, 7)[length % 3]
    if mode == "alphanumeric":
        return header + 11 * (length // 2) + 6 * (length % 2)
    return header + 8 * length
