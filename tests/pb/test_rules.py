"""Mapping rules: the format, every bad rule named, matching by category, scope, keywords."""

from __future__ import annotations

import pytest

from arservice.errors import InputError
from arservice.pb.records import Project
from arservice.pb.rules import match_rule, parse_rules
from arservice.store.builtin import assets_dir, builtin_template_paths

GYM = Project(
    "decidim",
    "1",
    {"fi": "Ulkokuntosali Kontulaan", "sv": "Utegym"},
    category={"fi": "Liikunta ja ulkoilu"},
    scope={"fi": "Itäinen"},
)


def test_the_shipped_rules_parse_and_name_built_in_templates() -> None:
    rules = parse_rules((assets_dir() / "import" / "rules.yaml").read_bytes())
    assert len(rules) >= 6
    assert {rule.template for rule in rules} <= set(builtin_template_paths())
    assert match_rule(rules, GYM)[1].template == "outdoor-gym"  # type: ignore[index]


def test_every_condition_a_rule_names_must_match() -> None:
    rules = parse_rules(
        "format: arservice/import-rules@1\n"
        "rules:\n"
        "  - {scope: [Läntinen], keywords: kuntosali, template: rest-area}\n"
        "  - {category: [LIIKUNTA JA ULKOILU], keywords: [utegym], template: outdoor-gym,"
        " params: {stations: 5}}\n"
    )
    index, rule = match_rule(rules, GYM)  # type: ignore[misc]
    assert (index, rule.template, rule.params) == (1, "outdoor-gym", {"stations": 5})


def test_no_rule_matches_an_unrelated_project() -> None:
    rules = parse_rules("format: arservice/import-rules@1\nrules: [{keywords: x1, template: a}]")
    assert match_rule(rules, GYM) is None


def test_every_bad_rule_is_named_with_its_place() -> None:
    with pytest.raises(InputError) as caught:
        parse_rules(
            "format: arservice/import-rules@2\n"
            "rules:\n"
            "  - {keywords: [gym], template: Outdoor Gym}\n"
            "  - {template: playground}\n"
            "  - {keywords: [''], template: ball-court, params: [1], colour: red}\n"
            "  - just text\n"
        )
    places = [item.loc for item in caught.value.items]
    assert places == [
        "format",
        "rules[0].template",
        "rules[1]",
        "rules[2].colour",
        "rules[2].keywords",
        "rules[2].params",
        "rules[3]",
    ]


def test_a_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(InputError) as caught:
        parse_rules("format: arservice/import-rules@1\nrules: [\n  {a: b\n")
    assert caught.value.items[0].loc.startswith("line ")
    assert "not valid YAML" in caught.value.items[0].message("en")


def test_rules_that_are_not_a_mapping_are_refused() -> None:
    with pytest.raises(InputError, match="must be a mapping with 'format"):
        parse_rules("- 1\n- 2\n")
