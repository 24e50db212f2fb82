"""The admins' pages: staff accounts and the audit log.

GET /admin/users                                  every account; create one, change a role,
                                                  set a new password, deactivate or reactivate
                                                  (users.js calls POST /api/v1/users, PATCH
                                                  /api/v1/users/{id}); each user's API tokens,
                                                  revoked with DELETE /api/v1/auth/tokens/{id}
GET /admin/audit?action=&target_type=&target_id=&actor_id=&offset=
                                                  the audit log, newest first, filtered and
                                                  paged on the server (plain GET forms)
"""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from arservice.services.accounts import MIN_PASSWORD_CHARS
from arservice.store import repositories as repo
from arservice.store.models import ApiToken, Role
from arservice.web.admin.guard import staff_page
from arservice.web.admin.page import ADMIN_PAGES, AdminPage
from arservice.web.context import ContextDep

router = APIRouter(include_in_schema=False)

AUDIT_PAGE = 50
MAX_FILTER_CHARS = 200


@router.get("/admin/users", response_class=HTMLResponse)
def user_list(request: Request, context: ContextDep) -> Response:
    page = staff_page(request, context, *ADMIN_PAGES)
    if not isinstance(page, AdminPage):
        return page
    with context.reading() as session:
        users = [
            {
                "id": u.id,
                "email": u.email,
                "name": u.display_name,
                "role": u.role,
                "active": u.active,
                "tokens": [_token(token) for token in repo.list_api_tokens(session, u.id)],
            }
            for u in repo.list_users(session)
        ]
    return page.render(
        "users.html",
        current="/admin/users",
        users=users,
        roles=list(Role),
        min_password=MIN_PASSWORD_CHARS,
    )


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _token(token: ApiToken) -> dict[str, object]:
    """A token as the page shows it: never its secret (only its first characters, to tell
    tokens apart, as the owner sees them)."""
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created": _when(token.created_at),
        "used": _when(token.last_used_at),
        "revoked": _when(token.revoked_at),
    }


def _details(details: object) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True, indent=1) if details else ""


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    context: ContextDep,
    action: str = Query(default="", max_length=MAX_FILTER_CHARS),
    target_type: str = Query(default="", max_length=MAX_FILTER_CHARS),
    target_id: str = Query(default="", max_length=MAX_FILTER_CHARS),
    actor_id: str = Query(default="", max_length=20),
    offset: int = Query(default=0, ge=0, le=10_000_000),
) -> Response:
    page = staff_page(request, context, *ADMIN_PAGES)
    if not isinstance(page, AdminPage):
        return page
    actor = int(actor_id) if actor_id.isdigit() else None
    with context.reading() as session:
        entries = repo.list_audit(
            session,
            actor_id=actor,
            action=action or None,
            target_type=target_type or None,
            target_id=target_id or None,
            limit=AUDIT_PAGE + 1,
            offset=offset,
        )
        names = {user.id: user.display_name for user in repo.list_users(session)}
        rows = [
            {
                "at": entry.at.strftime("%Y-%m-%d %H:%M:%S"),
                "actor": names.get(entry.actor_id) if entry.actor_id else None,
                "action": entry.action,
                "target": f"{entry.target_type} {entry.target_id or ''}".strip(),
                "details": _details(dict(entry.details)),
            }
            for entry in entries[:AUDIT_PAGE]
        ]
    filters = {
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "actor_id": str(actor) if actor else "",
    }
    return page.render(
        "audit.html",
        current="/admin/audit",
        rows=rows,
        filters=filters,
        actors=sorted(names.items(), key=lambda item: item[1].casefold()),
        newer=page.link("/admin/audit", **filters, offset=str(max(offset - AUDIT_PAGE, 0)))
        if offset
        else None,
        older=page.link("/admin/audit", **filters, offset=str(offset + AUDIT_PAGE))
        if len(entries) > AUDIT_PAGE
        else None,
    )
