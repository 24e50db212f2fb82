"""Mapping rules: which template (and which starting values) an imported project gets.

    format: arservice/import-rules@1
    rules:
      - name: Outdoor gyms                 # optional, shown in the import report
        keywords: [kuntosali, utegym, outdoor gym]
        template: outdoor-gym
        params: {stations: 4}
      - category: [Liikunta ja ulkoilu, Idrott och friluftsliv]
        keywords: [koripallo, basket]
        template: ball-court

A rule names at least one condition; it matches a project when every condition it names does:

- ``category``: the project's category is one of these names (in any language, case ignored);
- ``scope``: likewise for the scope (Helsinki: the district);
- ``keywords``: one of these appears in the project's title in any language (case ignored; a
  part of a word counts, so ``kuntosali`` finds ``Ulkokuntosali``).

The first matching rule wins; a project no rule matches is imported without a model and listed
for a planner. Whether the templates exist and the values suit them is checked by the service
against the stored templates (this module knows no database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from arservice.errors import ErrorItem, InputError
from arservice.i18n import N_
from arservice.pb.records import Project

FORMAT = "arservice/import-rules@1"
MAX_RULES_BYTES = 64 * 1024
MAX_RULES = 500
TEMPLATE_ID_RE = re.compile(r"[a-z0-9-]{1,64}")
CONDITIONS = ("category", "scope", "keywords")
KEYS = ("name", *CONDITIONS, "template", "params")

MSG_RULES_TOO_BIG = N_("the rules file is larger than {limit} KB")
MSG_RULES_TEXT = N_("the rules file must be UTF-8 text")
MSG_RULES_YAML = N_("the rules file is not valid YAML: {problem}")
MSG_RULES_TOP = N_("the rules file must be a mapping with 'format: {format}' and 'rules'")
MSG_RULES_FORMAT = N_("must be '{format}' (got '{value}')")
MSG_RULES_LIST = N_("must be a list of at most {max} rules")
MSG_RULE_MAPPING = N_("a rule must be a mapping of {keys}")
MSG_RULE_KEY = N_("unknown key '{key}'; a rule has {keys}")
MSG_RULE_CONDITION = N_("a rule needs at least one of category, scope, keywords")
MSG_RULE_WORDS = N_("must be a text or a list of texts, none of them empty")
MSG_RULE_TEMPLATE = N_("must be a template id: lowercase letters a-z, digits and hyphens")
MSG_RULE_PARAMS = N_("must be a mapping of parameter names to values")
MSG_RULE_NAME = N_("must be a text")


@dataclass(frozen=True)
class Rule:
    template: str
    name: str = ""
    category: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    def matches(self, project: Project) -> bool:
        if self.category and not _named(project.category, self.category):
            return False
        if self.scope and not _named(project.scope, self.scope):
            return False
        if self.keywords:
            titles = [text.casefold() for text in project.title.values()]
            return any(word in title for word in self.keywords for title in titles)
        return True


def match_rule(rules: list[Rule], project: Project) -> tuple[int, Rule] | None:
    """The first rule that matches ``project``, with its index; None when none does."""
    for index, rule in enumerate(rules):
        if rule.matches(project):
            return index, rule
    return None


def parse_rules(source: str | bytes) -> list[Rule]:
    """A rules file -> rules; InputError naming every bad rule (``rules[2].template``)."""
    data = _load(source)
    if not isinstance(data, dict) or "rules" not in data:
        raise InputError.single("", MSG_RULES_TOP, format=FORMAT)
    problems: list[ErrorItem] = []
    if data.get("format") != FORMAT:
        problems.append(
            ErrorItem("format", MSG_RULES_FORMAT, {"format": FORMAT, "value": data.get("format")})
        )
    for key in data:
        if key not in {"format", "rules"}:
            problems.append(
                ErrorItem(str(key), MSG_RULE_KEY, {"key": key, "keys": "format, rules"})
            )
    raw = data["rules"]
    if not isinstance(raw, list) or len(raw) > MAX_RULES:
        problems.append(ErrorItem("rules", MSG_RULES_LIST, {"max": MAX_RULES}))
        raise InputError(problems)
    rules = [_rule(item, f"rules[{index}]", problems) for index, item in enumerate(raw)]
    if problems:
        raise InputError(problems)
    return [rule for rule in rules if rule is not None]


def _rule(item: Any, loc: str, problems: list[ErrorItem]) -> Rule | None:
    keys = ", ".join(KEYS)
    if not isinstance(item, dict):
        problems.append(ErrorItem(loc, MSG_RULE_MAPPING, {"keys": keys}))
        return None
    before = len(problems)
    for key in item:
        if key not in KEYS:
            problems.append(ErrorItem(f"{loc}.{key}", MSG_RULE_KEY, {"key": key, "keys": keys}))
    words = {name: _words(item.get(name), f"{loc}.{name}", problems) for name in CONDITIONS}
    if not any(name in item for name in CONDITIONS):
        problems.append(ErrorItem(loc, MSG_RULE_CONDITION))
    template = item.get("template")
    if not isinstance(template, str) or not TEMPLATE_ID_RE.fullmatch(template):
        problems.append(ErrorItem(f"{loc}.template", MSG_RULE_TEMPLATE))
    params = item.get("params", {})
    if not isinstance(params, dict) or not all(isinstance(key, str) for key in params):
        problems.append(ErrorItem(f"{loc}.params", MSG_RULE_PARAMS))
    name = item.get("name", "")
    if not isinstance(name, str):
        problems.append(ErrorItem(f"{loc}.name", MSG_RULE_NAME))
    if len(problems) > before:
        return None
    return Rule(
        template=str(template),
        name=name,
        category=words["category"],
        scope=words["scope"],
        keywords=words["keywords"],
        params=dict(params),
    )


def _words(value: Any, loc: str, problems: list[ErrorItem]) -> tuple[str, ...]:
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        problems.append(ErrorItem(loc, MSG_RULE_WORDS))
        return ()
    cleaned = []
    for word in values:
        text = " ".join(word.split()).casefold() if isinstance(word, str) else ""
        if not text:
            problems.append(ErrorItem(loc, MSG_RULE_WORDS))
            return ()
        cleaned.append(text)
    return tuple(cleaned)


def _named(names: dict[str, str], wanted: tuple[str, ...]) -> bool:
    return any(" ".join(text.split()).casefold() in wanted for text in names.values())


def _load(source: str | bytes) -> Any:
    size = len(source.encode() if isinstance(source, str) else source)
    if size > MAX_RULES_BYTES:
        raise InputError.single("", MSG_RULES_TOO_BIG, limit=MAX_RULES_BYTES // 1024)
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError.single("", MSG_RULES_TEXT) from None
    try:
        return YAML(typ="safe", pure=True).load(source)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = (exc.problem or exc.context or "syntax error").strip()
        raise InputError.single(loc, MSG_RULES_YAML, problem=problem) from None
    except (YAMLError, ValueError, RecursionError) as exc:
        raise InputError.single("", MSG_RULES_YAML, problem=str(exc).splitlines()[0]) from None
