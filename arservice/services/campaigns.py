"""Campaigns: a named set of published ideas, each with its own printed code; every change audited.

Used by the API (``/api/v1/campaigns``) and the command line (``arservice campaign build``):

- an idea joins a campaign only when it is published and has its preview picture (the poster
  shows it) and a title in every poster language of the campaign;
- each idea gets a new code in the campaign, targeting the idea: the code is what is printed,
  so it is never reused for another idea (retarget it instead: :mod:`.campaign_codes`);
- removing an idea from a campaign keeps its code working (it may be printed already): the code
  simply belongs to no campaign any more;
- changing the languages checks every idea's titles again.

Functions take the caller's Session and never commit; the caller ends the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from arservice.errors import ConflictError, ErrorItem, InputError, NotFoundError
from arservice.i18n import N_
from arservice.services.campaign_input import (
    CampaignCreate,
    CampaignUpdate,
    check_languages,
    check_name,
    check_poster_size,
)
from arservice.store import repositories as repo
from arservice.store.models import ArtifactKind, Campaign, CampaignEntry, Idea, IdeaStatus

MSG_NO_CAMPAIGN = N_("there is no campaign '{slug}'")
MSG_NO_IDEAS = N_("a campaign needs at least one idea: give the slugs of published ideas")
MSG_UNKNOWN_IDEA = N_("there is no idea '{slug}'")
MSG_NOT_PUBLISHED = N_(
    "the idea '{slug}' is not published: publish it first, so the code leads to its page"
)
MSG_NO_PREVIEW = N_(
    "the idea '{slug}' has no preview picture for the poster: publish it again to render one"
)
MSG_NO_TITLE = N_(
    "the idea '{slug}' has no title in {language}: add one, or leave {language} out of the"
    " languages"
)
MSG_IDEA_TWICE = N_("the idea '{slug}' is listed twice")
MSG_IDEA_THERE = N_("the idea '{slug}' is in this campaign already")
MSG_IDEA_NOT_THERE = N_("the idea '{slug}' is not in the campaign '{campaign}'")
MSG_NAME_TAKEN = N_(
    "another campaign is named '{name}' already: choose another name, or add the ideas to it"
)


# --- reading -----------------------------------------------------------------------------------


def get_campaign(session: Session, slug: str) -> Campaign:
    campaign = repo.get_campaign_by_slug(session, slug)
    if campaign is None:
        raise NotFoundError([ErrorItem("", MSG_NO_CAMPAIGN, {"slug": slug})])
    return campaign


def list_campaigns(session: Session) -> Sequence[Campaign]:
    return repo.list_campaigns(session)


def find_campaign_by_name(session: Session, name: str) -> Campaign | None:
    """The campaign called ``name`` in any of its languages (names are unique: see below)."""
    wanted = name.strip().casefold()
    for campaign in repo.list_campaigns(session):
        if any(text.casefold() == wanted for text in campaign.name.values()):
            return campaign
    return None


# --- changes -----------------------------------------------------------------------------------


def create_campaign(session: Session, data: CampaignCreate, *, actor_id: int | None) -> Campaign:
    """A new campaign with a new code for each idea; InputError (every problem at once) or
    ConflictError (a name another campaign has)."""
    problems: list[ErrorItem] = []
    name = check_name(data.name, problems)
    languages = check_languages(data.languages, problems)
    size = check_poster_size(data.poster_size, problems)
    if not data.ideas:
        problems.append(ErrorItem("ideas", MSG_NO_IDEAS))
    found = check_ideas(session, data.ideas, languages, (), problems)
    if problems:
        raise InputError(problems)
    _check_name_free(session, name, None)
    campaign = repo.create_campaign(
        session, name=name, languages=languages, poster_size=size, created_by_id=actor_id
    )
    codes = [_add_entry(session, campaign, idea) for idea in found]
    _audit(
        session,
        "campaign.create",
        actor_id,
        campaign,
        {
            "name": name,
            "languages": languages,
            "poster_size": size.value,
            "ideas": [
                {"idea": idea.slug, "code": code} for idea, code in zip(found, codes, strict=True)
            ],
        },
    )
    return campaign


def update_campaign(
    session: Session, slug: str, data: CampaignUpdate, *, actor_id: int | None
) -> Campaign:
    """Change the name, languages or poster size given; the ideas' titles are checked against
    new languages."""
    campaign = get_campaign(session, slug)
    given = data.model_fields_set
    problems: list[ErrorItem] = []
    changes: dict[str, Any] = {}
    if "name" in given:
        name = check_name(data.name or {}, problems)
        if name != dict(campaign.name):
            changes["name"] = {"from": dict(campaign.name), "to": name}
    if "languages" in given:
        languages = check_languages(data.languages or [], problems)
        if not problems:
            ideas = [entry.idea for entry in campaign.entries]
            _check_titles(ideas, languages, problems)
        if languages != list(campaign.languages):
            changes["languages"] = {"from": list(campaign.languages), "to": languages}
    if "poster_size" in given:
        size = check_poster_size(data.poster_size or "", problems)
        if size != campaign.poster_size:
            changes["poster_size"] = {"from": str(campaign.poster_size), "to": size.value}
    if problems:
        raise InputError(problems)
    if "name" in changes:
        _check_name_free(session, changes["name"]["to"], campaign.id)
    if not changes:
        return campaign
    for field, change in changes.items():
        setattr(campaign, field, change["to"])
    session.flush()
    _audit(session, "campaign.update", actor_id, campaign, {"changes": changes})
    return campaign


def add_ideas(
    session: Session, slug: str, idea_slugs: Sequence[str], *, actor_id: int | None
) -> Campaign:
    """Add ideas after those in the campaign, each with a new code."""
    campaign = get_campaign(session, slug)
    problems: list[ErrorItem] = []
    if not idea_slugs:
        problems.append(ErrorItem("ideas", MSG_NO_IDEAS))
    present = [entry.idea.slug for entry in campaign.entries]
    found = check_ideas(session, idea_slugs, list(campaign.languages), present, problems)
    if problems:
        raise InputError(problems)
    added = [{"idea": idea.slug, "code": _add_entry(session, campaign, idea)} for idea in found]
    _audit(session, "campaign.add_ideas", actor_id, campaign, {"ideas": added})
    return campaign


def remove_idea(session: Session, slug: str, idea_slug: str, *, actor_id: int | None) -> Campaign:
    """Take an idea out of the campaign. Its code keeps working where it is printed; it just
    belongs to no campaign any more (deactivate or retarget it on its own if needed)."""
    campaign = get_campaign(session, slug)
    entry = next((e for e in campaign.entries if e.idea.slug == idea_slug), None)
    if entry is None:
        raise NotFoundError(
            [ErrorItem("", MSG_IDEA_NOT_THERE, {"slug": idea_slug, "campaign": slug})]
        )
    code = entry.code.code
    campaign.entries.remove(entry)  # delete-orphan: the entry row goes, the code stays
    session.flush()
    for position, rest in enumerate(campaign.entries):
        rest.position = position
    session.flush()
    _audit(session, "campaign.remove_idea", actor_id, campaign, {"idea": idea_slug, "code": code})
    return campaign


# --- checks ------------------------------------------------------------------------------------


def check_ideas(
    session: Session,
    slugs: Sequence[str],
    languages: Sequence[str],
    present: Sequence[str],
    problems: list[ErrorItem],
) -> list[Idea]:
    """The ideas of ``slugs`` that may join a campaign; problems at ``ideas[k]``."""
    found: list[Idea] = []
    seen: set[str] = set()
    for k, slug in enumerate(slugs):
        loc = f"ideas[{k}]"
        idea = repo.get_idea_by_slug(session, slug)
        if slug in seen:
            problems.append(ErrorItem(loc, MSG_IDEA_TWICE, {"slug": slug}))
        elif slug in present:
            problems.append(ErrorItem(loc, MSG_IDEA_THERE, {"slug": slug}))
        elif idea is None:
            problems.append(ErrorItem(loc, MSG_UNKNOWN_IDEA, {"slug": slug}))
        elif idea.status is not IdeaStatus.PUBLISHED:
            problems.append(ErrorItem(loc, MSG_NOT_PUBLISHED, {"slug": slug}))
        elif not has_preview(session, idea):
            problems.append(ErrorItem(loc, MSG_NO_PREVIEW, {"slug": slug}))
        else:
            missing = [lang for lang in languages if not idea.title.get(lang, "").strip()]
            for lang in missing:
                problems.append(ErrorItem(loc, MSG_NO_TITLE, {"slug": slug, "language": lang}))
            if not missing:
                found.append(idea)
        seen.add(slug)
    return found


def has_preview(session: Session, idea: Idea) -> bool:
    """Whether the idea's preview PNG is recorded (the render a poster shows)."""
    if idea.png_sha256 is None:
        return False
    return repo.get_artifact(session, idea.png_sha256, ArtifactKind.PNG) is not None


def _check_titles(
    ideas: Sequence[Idea], languages: Sequence[str], problems: list[ErrorItem]
) -> None:
    for idea in ideas:
        for lang in languages:
            if not idea.title.get(lang, "").strip():
                problems.append(
                    ErrorItem("languages", MSG_NO_TITLE, {"slug": idea.slug, "language": lang})
                )


def _check_name_free(session: Session, name: dict[str, str], own_id: int | None) -> None:
    for lang, text in name.items():
        other = find_campaign_by_name(session, text)
        if other is not None and other.id != own_id:
            raise ConflictError([ErrorItem(f"name.{lang}", MSG_NAME_TAKEN, {"name": text})])


def _add_entry(session: Session, campaign: Campaign, idea: Idea) -> str:
    code = repo.create_qr_code(session, target_idea_id=idea.id)
    entry: CampaignEntry = repo.add_campaign_entry(session, campaign, idea, code)
    return entry.code.code


def _audit(
    session: Session, action: str, actor_id: int | None, campaign: Campaign, details: dict[str, Any]
) -> None:
    repo.append_audit(
        session,
        action,
        actor_id=actor_id,
        target_type="campaign",
        target_id=campaign.slug,
        details=details,
    )
