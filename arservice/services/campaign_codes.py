"""Short codes: make one on its own, retarget it, give it a language or label, switch it off.

A code is what is printed, so it lives as long as the print: it is never deleted and never
changes its letters. What it points to can change at any time (``/q/{code}`` reads the target
on every scan): to another idea, or to any http(s) address — say, photos once the gym is built.
A deactivated code shows residents a friendly page instead of redirecting.

Codes made for a campaign (:mod:`.campaigns`) are the same codes, and are changed here too.
Functions take the caller's Session and never commit; every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from arservice.errors import ErrorItem, InputError, NotFoundError
from arservice.i18n import N_
from arservice.printables import normalize_code
from arservice.services.campaign_input import (
    CodeCreate,
    CodeUpdate,
    check_label,
    check_lang,
    check_target_url,
)
from arservice.store import repositories as repo
from arservice.store.models import CampaignEntry, Idea, IdeaStatus, QrCode

MSG_NO_CODE = N_("there is no code '{code}'")
MSG_ONE_TARGET = N_("give exactly one target: target_idea (an idea's slug) or target_url")
MSG_UNKNOWN_IDEA = N_("there is no idea '{slug}'")
MSG_NOT_PUBLISHED = N_(
    "the idea '{slug}' is not published: publish it first, so the code leads to its page"
)


def get_code(session: Session, code: str) -> QrCode:
    """The code as printed or typed (any case, hyphens, O for 0); NotFoundError when none."""
    try:
        normalized = normalize_code(code)
    except InputError:
        normalized = None
    row = None if normalized is None else repo.get_qr_code(session, normalized)
    if row is None:
        raise NotFoundError([ErrorItem("", MSG_NO_CODE, {"code": code})])
    return row


def list_codes(session: Session) -> Sequence[QrCode]:
    return repo.list_qr_codes(session)


def campaign_of(session: Session, code: QrCode) -> str | None:
    """The slug of the campaign the code was printed for, or None."""
    entry = session.scalars(select(CampaignEntry).where(CampaignEntry.code_id == code.id)).first()
    return None if entry is None else entry.campaign.slug


def create_code(session: Session, data: CodeCreate, *, actor_id: int | None) -> QrCode:
    """A new active code for an idea or an address; InputError with every problem."""
    problems: list[ErrorItem] = []
    idea, url = _target(session, data.target_idea, data.target_url, problems)
    lang = check_lang(data.lang, problems)
    label = check_label(data.label, problems)
    if problems:
        raise InputError(problems)
    row = repo.create_qr_code(
        session,
        target_idea_id=None if idea is None else idea.id,
        target_url=url,
        lang=lang,
        label=label,
    )
    details = {"target": describe_target(row), "lang": lang, "label": label}
    _audit(session, "code.create", actor_id, row, details)
    return row


def update_code(session: Session, code: str, data: CodeUpdate, *, actor_id: int | None) -> QrCode:
    """Retarget (``target_idea`` or ``target_url``), set ``lang`` (null: the reader's own) or
    ``label``, switch ``active``; fields left out stay."""
    row = get_code(session, code)
    given = data.model_fields_set
    problems: list[ErrorItem] = []
    columns: dict[str, Any] = {}
    if {"target_idea", "target_url"} & given:
        idea, url = _target(session, data.target_idea, data.target_url, problems)
        columns["target_idea"] = idea  # the relationship, so describe_target sees it at once
        columns["target_url"] = url
    if "lang" in given:
        columns["lang"] = check_lang(data.lang, problems)
    if "label" in given:
        columns["label"] = check_label(data.label or "", problems)
    if "active" in given and data.active is not None:
        columns["active"] = data.active
    if problems:
        raise InputError(problems)
    before = _state(row)
    for name, value in columns.items():
        setattr(row, name, value)
    session.flush()
    after = _state(row)
    changes = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changes:
        _audit(session, "code.update", actor_id, row, {"changes": changes})
    return row


def describe_target(row: QrCode) -> dict[str, str]:
    """``{"idea": slug}`` or ``{"url": address}``: for answers and the audit log."""
    if row.target_idea is not None:
        return {"idea": row.target_idea.slug}
    return {"url": row.target_url or ""}


def _target(
    session: Session, slug: str | None, url: str | None, problems: list[ErrorItem]
) -> tuple[Idea | None, str | None]:
    if (slug is None) == (url is None):
        problems.append(ErrorItem("", MSG_ONE_TARGET))
        return None, None
    if url is not None:
        return None, check_target_url(url, problems)
    idea = repo.get_idea_by_slug(session, slug or "")
    if idea is None:
        problems.append(ErrorItem("target_idea", MSG_UNKNOWN_IDEA, {"slug": slug}))
    elif idea.status is not IdeaStatus.PUBLISHED:
        problems.append(ErrorItem("target_idea", MSG_NOT_PUBLISHED, {"slug": slug}))
    return idea, None


def _state(row: QrCode) -> dict[str, Any]:
    return {
        "target": describe_target(row),
        "lang": row.lang,
        "label": row.label,
        "active": row.active,
    }


def _audit(
    session: Session, action: str, actor_id: int | None, row: QrCode, details: dict[str, Any]
) -> None:
    repo.append_audit(
        session, action, actor_id=actor_id, target_type="code", target_id=row.code, details=details
    )
