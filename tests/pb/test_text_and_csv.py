"""HTML as plain text, and CSV files of projects: a good file, and every bad line named."""

from __future__ import annotations

import pytest

from arservice.errors import InputError
from arservice.pb.csv_source import read_projects_csv
from arservice.pb.text import html_to_text, shorten


def test_html_keeps_paragraphs_and_drops_markup_and_scripts() -> None:
    html = (
        "<h2>Idea</h2><p>Kuntosali <b>Kontulaan</b>&nbsp;&amp; penkit.</p>"
        "<script>alert('x')</script><ul><li>3 asemaa</li></ul><p>rivi<br>toinen</p>"
    )
    assert (
        html_to_text(html) == "Idea\n\nKuntosali Kontulaan & penkit.\n\n- 3 asemaa\n\nrivi\ntoinen"
    )


def test_broken_html_still_gives_its_text() -> None:
    assert html_to_text("<p>auki <b>jää<p>toinen") == "auki jää\n\ntoinen"
    assert html_to_text("<p> </p>") == ""


def test_a_long_text_is_cut_at_a_paragraph() -> None:
    text = "a" * 60 + "\n\n" + "b" * 60
    assert shorten(text, 100) == "a" * 60 + "…"
    assert shorten("short", 100) == "short"


GOOD = (
    "project_id;title_fi;title_sv;title_en;description_fi;budget_eur;selected;latitude;longitude;"
    "scope_fi;stage\n"
    'c-1;Ulkokuntosali;Utegym;Outdoor gym;"Eka kappale.\n\nToinen.";150 000,50;kyllä;60,2;24,9;'
    "Itäinen;building\n"
    "c-2;Lukupiiri;;;;;ei;;;;\n"
).encode("utf-8-sig")


def test_a_good_file_gives_its_projects() -> None:
    gym, reading = read_projects_csv(GOOD)
    assert gym.platform == "csv"
    assert gym.key == "c-1"
    assert gym.title == {"fi": "Ulkokuntosali", "sv": "Utegym", "en": "Outdoor gym"}
    assert gym.description == {"fi": "Eka kappale.\n\nToinen."}
    assert gym.budget_cents == 150_000_50
    assert gym.selected is True
    assert gym.stage == "building"
    assert gym.location is not None
    assert gym.location.latitude == pytest.approx(60.2)
    assert gym.scope == {"fi": "Itäinen"}
    assert reading.title == {"fi": "Lukupiiri"}
    assert reading.selected is False


def test_every_bad_row_is_reported_with_its_line_and_column() -> None:
    data = (
        "project_id,title_fi,budget_eur,selected,latitude,longitude,url,stage\n"
        "a,Hyvä,100,yes,,,,\n"
        "b,Huono,paljon,maybe,60,,ftp://x,done\n"
        ",,,,,,,\n"
        "c,,1,no,,,,\n"
        "a,Toinen,1,no,,,,\n"
        "d,Liian,1,no\n"
    ).encode()
    with pytest.raises(InputError) as caught:
        read_projects_csv(data)
    assert [(item.loc, item.message("en")) for item in caught.value.items] == [
        ("line 3.budget_eur", "must be an amount of euros from 0 to 20000000 (got 'paljon')"),
        ("line 3.selected", "must be yes or no (got 'maybe')"),
        ("line 3.url", "must be an http:// or https:// address (got 'ftp://x')"),
        ("line 3.stage", "must be winner, building or built (got 'done')"),
        ("line 5", "a project needs a title in at least one language"),
        ("line 6.project_id", "project_id 'a' is already on line 2"),
        ("line 7", "has 4 values but the header names 8 columns"),
    ]


def test_latitude_without_longitude_is_refused() -> None:
    with pytest.raises(InputError, match=r"line 2\.latitude: latitude and longitude go together"):
        read_projects_csv(b"project_id,title_fi,latitude\nx,T,60\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "has no header line"),
        (b"title_fi\nx\n", "needs the columns project_id"),
        (b"project_id,title_fi,colour\n", "unknown column 'colour'"),
        (b"\xff\xfe", "must be UTF-8 text"),
    ],
)
def test_a_bad_file_is_refused_as_a_whole(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_projects_csv(data)
