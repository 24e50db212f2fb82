"""Short-link payloads: the case rules, the Crockford code, and the segments with fewest bits."""

from __future__ import annotations

import itertools

import pytest

from arservice.errors import InputError
from arservice.printables import encode_qr, normalize_code, printed_address, qr_payload
from arservice.printables.payload import (
    MAX_PAYLOAD_LENGTH,
    MODES,
    Segment,
    fits,
    payload_bits,
    segment_payload,
)


def test_payload_has_lower_case_scheme_and_host_and_upper_case_code() -> None:
    assert qr_payload("HTTPS://AR.Hel.FI/", "7k3m-9qx") == "https://ar.hel.fi/q/7K3M9QX"


def test_payload_keeps_a_path_and_a_port_of_the_base_address() -> None:
    assert qr_payload("http://localhost:8000/ar/", "abc") == "http://localhost:8000/ar/q/ABC"


def test_international_host_becomes_ascii() -> None:
    assert qr_payload("https://äänekoski.fi", "abc") == "https://xn--nekoski-4waa.fi/q/ABC"


def test_code_reads_crockford_aliases_as_digits() -> None:
    assert normalize_code("io-l0") == "1010"


@pytest.mark.parametrize("code", ["ABCU", "AB C", "ÄBC", "AB_C"])
def test_code_outside_crockford_base32_is_refused(code: str) -> None:
    with pytest.raises(InputError) as caught:
        qr_payload("https://ar.hel.fi", code)
    assert caught.value.items[0].loc == "code"


@pytest.mark.parametrize("code", ["AB", "A" * 17])
def test_code_of_wrong_length_is_refused(code: str) -> None:
    with pytest.raises(InputError) as caught:
        normalize_code(code)
    assert caught.value.items[0].loc == "code"


@pytest.mark.parametrize(
    "base",
    ["ftp://ar.hel.fi", "ar.hel.fi", "https://", "https://ar.hel.fi/?x=1", "https://u:p@ar.hel.fi"],
)
def test_base_address_must_be_http_with_a_host(base: str) -> None:
    with pytest.raises(InputError) as caught:
        qr_payload(base, "ABC")
    assert caught.value.items[0].loc == "base_url"


def test_printed_address_drops_the_scheme() -> None:
    assert printed_address("https://ar.hel.fi/q/7K3M9QX") == "ar.hel.fi/q/7K3M9QX"


def test_mixed_payload_is_a_byte_segment_then_an_alphanumeric_one(payload: str) -> None:
    assert segment_payload(payload) == (
        Segment("https://ar.hel.fi/q", "byte"),
        Segment("/7K3M9QX", "alphanumeric"),
    )


def best_of_splits(text: str, version_class: int) -> int:
    """Brute force: the fewest bits over every split into at most three segments."""
    best = payload_bits((Segment(text, "byte"),), version_class)
    for cuts in itertools.chain.from_iterable(
        itertools.combinations(range(1, len(text)), k) for k in (1, 2)
    ):
        bounds = [0, *cuts, len(text)]
        pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
        for modes in itertools.product(MODES, repeat=len(pieces)):
            if all(fits(c, m) for piece, m in zip(pieces, modes, strict=True) for c in piece):
                segments = tuple(Segment(p, m) for p, m in zip(pieces, modes, strict=True))
                best = min(best, payload_bits(segments, version_class))
    return best


@pytest.mark.parametrize(
    "text",
    ["https://ar.hel.fi/q/7K3M9QX", "http://a.fi/q/123456789", "x1234Y", "ABC/def/GH12"],
)
@pytest.mark.parametrize("version_class", [0, 1, 2])
def test_segments_are_never_longer_than_any_split_into_three(text: str, version_class: int) -> None:
    found = payload_bits(segment_payload(text, version_class), version_class)
    assert found <= best_of_splits(text, version_class)
    assert "".join(s.text for s in segment_payload(text, version_class)) == text


@pytest.mark.parametrize(
    ("base", "level", "segmented", "one_segment"),
    [
        ("https://ar.hel.fi", "M", 2, 3),
        ("https://omastadi.hel.fi", "L", 2, 3),
        ("https://arservice.example.org", "M", 3, 3),
    ],
)
def test_segmenting_saves_a_version_where_the_bits_allow(
    base: str, level: str, segmented: int, one_segment: int
) -> None:
    """Measured: a version is 4 modules a side; byte-only is what an unsegmented encoder makes."""
    import segno

    payload = qr_payload(base, "7K3M9QX")
    assert encode_qr(payload, level).version == segmented  # type: ignore[arg-type]
    plain = segno.make(payload, error=level, mode="byte", micro=False, boost_error=False)
    assert plain.version == one_segment


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("", "empty"),
        ("https://x.fi/" + "a" * MAX_PAYLOAD_LENGTH, "at most"),
        ("https://ä.fi", "ASCII"),
    ],
)
def test_bad_payload_is_refused(payload: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        encode_qr(payload, "M")
    item = caught.value.items[0]
    assert item.loc == "payload"
    assert expected in item.message("en")
