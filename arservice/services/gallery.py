"""The public gallery: published ideas, filtered by campaign, district and kind of idea.

The filter comes from the address (``/?campaign=omastadi-2025&district=itainen&kind=playground``),
so it is checked like any input from outside: each value is a key of at most
:data:`MAX_FILTER_CHARS` lowercase letters, digits and hyphens, or absent; anything else is an
InputError naming the field. A well-formed key that names nothing simply matches no idea.

The keys:

- campaign: the campaign's slug. Only campaigns with at least one published idea are offered,
  and only published ideas are counted: a campaign of drafts is not public.
- district: made from the district's name (:func:`district_key`: the Finnish name slugified,
  ``Itäinen`` -> ``itainen``, else the Swedish, else the English), so the key is the same in
  every language of the page and stays while a translation is corrected.
- kind: the template id of the idea's model.

Drafts and archived ideas are never read here, whatever the filter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from arservice.errors import ErrorItem, InputError
from arservice.i18n import LANGUAGES, N_
from arservice.store import repositories as repo
from arservice.store.models import Campaign, CampaignEntry, Idea, IdeaStatus

FILTERS = ("campaign", "district", "kind")
"""The query parameters the gallery reads, in the order its form shows them."""
MAX_FILTER_CHARS = 100
FILTER_KEY_RE = re.compile(rf"[a-z0-9-]{{1,{MAX_FILTER_CHARS}}}")

MSG_FILTER_VALUE = N_(
    "must be a choice of the form: lowercase letters a-z, digits and hyphens, at most {max} "
    "characters"
)


@dataclass(frozen=True)
class GalleryFilter:
    """The keys asked for; an empty key means "any"."""

    campaign: str = ""
    district: str = ""
    kind: str = ""

    @property
    def active(self) -> bool:
        return bool(self.campaign or self.district or self.kind)


def check_filter(query: Mapping[str, str]) -> GalleryFilter:
    """The filter of a request's query parameters (others, like ``lang``, are not its business);
    InputError at each filter whose value is not a well-formed key."""
    problems: list[ErrorItem] = []
    keys: dict[str, str] = {}
    for name in FILTERS:
        value = query.get(name, "")
        if value and not FILTER_KEY_RE.fullmatch(value):
            problems.append(ErrorItem(name, MSG_FILTER_VALUE, {"max": MAX_FILTER_CHARS}))
        else:
            keys[name] = value
    if problems:
        raise InputError(problems)
    return GalleryFilter(**keys)


def district_key(names: Mapping[str, str]) -> str:
    """The filter key of a district named ``names``: its Finnish name slugified, else its Swedish
    or English one, else any; empty for no district."""
    for lang in (*LANGUAGES, *names):
        key = repo.slugify(names.get(lang, ""))
        if key:
            return key
    return ""


@dataclass(frozen=True)
class Choice:
    """One option of a filter: its key and its name per language."""

    key: str
    names: Mapping[str, str]


@dataclass(frozen=True)
class Gallery:
    """What the gallery shows: the matching ideas (newest published first), how many are
    published in all, and the choices each filter offers (those the published ideas have)."""

    ideas: Sequence[Idea]
    total: int
    campaigns: Sequence[Choice]
    districts: Sequence[Choice]
    kinds: Sequence[str]


def published_gallery(session: Session, chosen: GalleryFilter) -> Gallery:
    published = repo.list_published_ideas(session)
    campaigns, members = _published_campaigns(session)
    districts: dict[str, Choice] = {}
    for idea in published:
        key = district_key(idea.district or {})
        if key and key not in districts:
            districts[key] = Choice(key, dict(idea.district))
    kinds = sorted({idea.template_id for idea in published if idea.template_id})
    shown = [idea for idea in published if _matches(idea, chosen, members)]
    return Gallery(shown, len(published), campaigns, list(districts.values()), kinds)


def _matches(idea: Idea, chosen: GalleryFilter, members: Mapping[str, set[int]]) -> bool:
    if chosen.kind and idea.template_id != chosen.kind:
        return False
    if chosen.district and district_key(idea.district or {}) != chosen.district:
        return False
    return not chosen.campaign or idea.id in members.get(chosen.campaign, set())


def _published_campaigns(session: Session) -> tuple[list[Choice], dict[str, set[int]]]:
    """Campaigns with a published idea (newest first), and the published ideas' ids of each
    campaign, by slug: one query, whatever the number of campaigns."""
    rows = session.execute(
        select(Campaign.slug, Campaign.name, CampaignEntry.idea_id)
        .join(CampaignEntry, CampaignEntry.campaign_id == Campaign.id)
        .join(Idea, Idea.id == CampaignEntry.idea_id)
        .where(Idea.status == IdeaStatus.PUBLISHED)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    )
    choices: dict[str, Choice] = {}
    members: dict[str, set[int]] = {}
    for slug, name, idea_id in rows:
        choices.setdefault(slug, Choice(slug, dict(name or {})))
        members.setdefault(slug, set()).add(idea_id)
    return list(choices.values()), members
