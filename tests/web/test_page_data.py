"""What the pages show of an idea: money per language, the language a text is really in, where
to stand on site, absolute URLs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from arservice.i18n import translate
from arservice.settings import Settings
from arservice.store.models import IdeaStage
from arservice.web.gallery_view import sort_key
from arservice.web.page_data import (
    Text,
    absolute,
    format_budget,
    idea_view,
    on_site,
    pick,
    status_key,
)
from arservice.web.page_texts import TEXTS
from arservice.web.routes.ideas import IdeaOut

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("euros", "lang", "shown"),
    [
        (150000, "fi", f"150{NBSP}000{NBSP}€"),
        (150000, "sv", f"150{NBSP}000{NBSP}€"),
        (150000, "en", "€150,000"),
        (99.5, "fi", f"99,50{NBSP}€"),
        (1234.56, "en", "€1,234.56"),
        (0, "en", "€0"),
    ],
)
def test_a_budget_is_money_in_the_readers_language(euros: float, lang: str, shown: str) -> None:
    assert format_budget(euros, lang) == shown


def test_a_text_says_which_language_it_is_in() -> None:
    assert pick({"fi": "Kenttä", "sv": "Plan"}, "sv") == Text("Plan", "sv")
    assert pick({"sv": "Plan", "en": "Court"}, "fi") == Text("Plan", "sv")
    assert pick({"en": "Court"}, "sv") == Text("Court", "en")
    assert pick({"de": "Platz"}, "fi") == Text("Platz", "de")
    assert pick({}, "fi") is None
    assert str(Text("Court", "en").html("fi")) == '<span lang="en">Court</span>'
    assert str(Text("<b>", "fi").html("fi")) == "&lt;b&gt;"


@pytest.mark.parametrize(
    ("heading", "side", "facing"),
    [
        (0, "north", "south (180°)"),
        (44, "north-east", "south-west (224°)"),
        (90, "east", "west (270°)"),
        (135, "south-east", "north-west (315°)"),
        (180, "south", "north (0°)"),
        (200, "south", "north (20°)"),
        (250, "west", "east (70°)"),
        (337.6, "north", "south (158°)"),
    ],
)
def test_where_to_stand_follows_the_heading_of_the_models_front(
    heading: float, side: str, facing: str
) -> None:
    site = on_site(60.2, 24.9, heading)
    text = translate("en", TEXTS[site.stand], degrees=site.facing_degrees)
    assert f"on its {side} side and face {facing}," in text


def test_the_model_url_is_absolute_on_the_configured_site() -> None:
    settings = Settings(base_url="https://ar.example.org/")
    assert absolute(settings, "/a/x.glb") == "https://ar.example.org/a/x.glb"
    assert absolute(settings, "https://cdn.example.org/x.glb") == "https://cdn.example.org/x.glb"
    assert absolute(settings, None) is None


@pytest.mark.parametrize(
    ("stage", "selected", "key"),
    [
        (IdeaStage.BUILDING, True, "stage_building"),
        (IdeaStage.BUILT, True, "stage_built"),
        (IdeaStage.BUILT, False, "stage_built"),
        (IdeaStage.WINNER, True, "status_selected"),
        (IdeaStage.WINNER, False, "status_proposal"),
    ],
)
def test_the_status_line_is_the_stage_else_whether_the_idea_won(
    stage: IdeaStage, selected: bool, key: str
) -> None:
    idea = IdeaOut.model_validate(
        {
            "slug": "x",
            "status": "published",
            "title": {"fi": "X"},
            "summary": {},
            "description": {},
            "stage": stage,
            "district": {"sv": "Östra"},
            "pb": {
                "platform": None,
                "url": None,
                "project_id": None,
                "budget_eur": None,
                "selected": selected,
            },
            "site": None,
            "geopose": None,
            "template": None,
            "model": None,
            "artifacts": {"glb": None, "usdz": None, "png": None},
            "created_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC),
            "published_at": None,
        }
    )
    assert status_key(idea) == key
    view = idea_view(idea, "fi", Settings(), {})
    assert view.status_key == key
    assert view.district == Text("Östra", "sv")  # no Finnish name: the Swedish one, marked


def test_filter_choices_sort_as_finnish_and_swedish_readers_expect() -> None:
    names = ["Östra", "Västra", "Åland", "Ärla", "Södra", "mellersta"]
    assert sorted(names, key=sort_key) == ["mellersta", "Södra", "Västra", "Åland", "Ärla", "Östra"]
