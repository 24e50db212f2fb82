"""The mapping rules an import uses: the planners' rules file, else the one shipped.

The planners' file is kept whole, as written (comments and all), as the site asset
``import-rules`` in the blob store; reading it back gives exactly what they saved. Saving checks
the file first, structure and templates alike, so a stored rules file always parses; the
templates are checked again at each import, since one may have been replaced meanwhile.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from arservice.errors import ErrorItem, InputError, NotFoundError, ParameterError
from arservice.i18n import N_
from arservice.pb.rules import Rule, parse_rules
from arservice.services.artifacts import canonical_params
from arservice.services.templates import stored_template
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore
from arservice.store.builtin import assets_dir

RULES_ASSET = "import-rules"
RULES_CONTENT_TYPE = "application/yaml"

MSG_RULE_NO_TEMPLATE = N_("there is no template '{id}'; the rule must name a stored template")


@dataclass(frozen=True)
class RulesFile:
    """The rules in force: their text, parsed, and whether they are the shipped default."""

    source: str
    rules: list[Rule]
    default: bool


@dataclass(frozen=True)
class ResolvedRule:
    """A rule with its template's newest version and the rule's values, checked and complete."""

    index: int
    rule: Rule
    template_version: int
    params: dict[str, Any]


def default_rules_source() -> str:
    return (assets_dir() / "import" / "rules.yaml").read_text(encoding="utf-8")


def load_rules(session: Session, blobs: BlobStore) -> RulesFile:
    asset = repo.get_site_asset(session, RULES_ASSET)
    if asset is None:
        source = default_rules_source()
        return RulesFile(source, parse_rules(source), default=True)
    source = blobs.get(asset.blob_key).decode("utf-8")
    return RulesFile(source, parse_rules(source), default=False)


def save_rules(
    session: Session, blobs: BlobStore, source: str, *, actor_id: int | None
) -> RulesFile:
    """Check ``source`` (InputError or ParameterError naming each bad rule) and keep it."""
    rules = parse_rules(source)
    resolve_rules(session, blobs, rules)
    data = source.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    key = f"site/{RULES_ASSET}-{digest}.yaml"
    blobs.put(key, data)
    repo.put_site_asset(
        session,
        RULES_ASSET,
        blob_key=key,
        sha256=digest,
        content_type=RULES_CONTENT_TYPE,
        size=len(data),
        updated_by_id=actor_id,
    )
    repo.append_audit(
        session,
        "import.rules",
        actor_id=actor_id,
        target_type="site",
        target_id=RULES_ASSET,
        details={"sha256": digest, "rules": len(rules)},
    )
    return RulesFile(source, rules, default=False)


def resolve_rules(session: Session, blobs: BlobStore, rules: list[Rule]) -> list[ResolvedRule]:
    """Each rule's template (newest version) and values, checked: InputError for a template
    that does not exist, ParameterError for values it refuses, each at ``rules[i]``."""
    problems: list[ErrorItem] = []
    wrong_values: list[ErrorItem] = []
    resolved = []
    for index, rule in enumerate(rules):
        loc = f"rules[{index}]"
        try:
            stored = stored_template(session, blobs, rule.template)
        except NotFoundError:
            problems.append(
                ErrorItem(f"{loc}.template", MSG_RULE_NO_TEMPLATE, {"id": rule.template})
            )
            continue
        try:
            params = canonical_params(stored.template, rule.params)
        except ParameterError as error:
            wrong_values.extend(item.at(f"{loc}.params") for item in error.items)
            continue
        resolved.append(ResolvedRule(index, rule, stored.template.version, dict(params)))
    if problems:
        raise InputError([*problems, *wrong_values])
    if wrong_values:
        raise ParameterError(wrong_values)
    return resolved
