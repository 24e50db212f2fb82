"""Small typed queries and writes over the models; the rules of the service live in services/.

Every function takes the caller's :class:`~sqlalchemy.orm.Session` and never commits: the
service that calls several of them decides where the transaction ends, so a failed publish
leaves nothing half-written. Functions that create rows flush, so ids exist and a broken
constraint (a duplicate slug, a missing user) raises :class:`sqlalchemy.exc.IntegrityError` at
the call that caused it.

    users      create_user, get_user, get_user_by_email, list_users
    tokens     create_api_token -> IssuedToken (the secret, once), find_api_token,
               token_use_is_stale, touch_api_token, revoke_api_token,
               list_api_tokens
    audit      append_audit, list_audit
    templates  get_template, list_templates, add_template_version, get_template_version,
               get_latest_template_version, latest_template_version_number,
               add_template_asset
    ideas      make_slug, new_idea_slug, add_idea, get_idea, get_idea_by_slug, list_ideas,
               list_published_ideas
    artifacts  get_artifact, record_artifact
    codes      new_code, create_qr_code, get_qr_code, get_qr_code_by_id, list_qr_codes,
               lookup_redirect -> Redirect
    campaigns  create_campaign, add_campaign_entry, get_campaign, get_campaign_by_slug,
               list_campaigns, campaign_slug_exists, campaigns_of_idea
    scans      add_scan_counts (adds to the stored counts: safe from several processes),
               scan_counts -> ScanRow rows
    site       get_site_asset, put_site_asset
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from arservice.store.models import (
    ApiToken,
    Artifact,
    ArtifactKind,
    AuditEntry,
    Campaign,
    CampaignEntry,
    Idea,
    IdeaStatus,
    Platform,
    QrCode,
    Role,
    ScanCount,
    SiteAsset,
    Template,
    TemplateAsset,
    TemplateVersion,
    User,
    utcnow,
)
from arservice.store.passwords import hash_password

# --- users -------------------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively: they are stored stripped and lowercased."""
    return email.strip().lower()


def create_user(
    session: Session, *, email: str, display_name: str, role: Role, password: str
) -> User:
    """A new active user with an argon2 hash of ``password``; IntegrityError if the email is
    taken."""
    user = User(
        email=normalize_email(email),
        display_name=display_name,
        role=role,
        password_hash=hash_password(password),
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalize_email(email))).first()


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.email)).all()


# --- API tokens --------------------------------------------------------------------------------

TOKEN_PREFIX = "ars_"
"""Every secret starts so: a leaked token is recognizable (secret scanners, logs)."""
TOKEN_DISPLAY_LENGTH = 12
"""How much of the secret is kept in clear (``ars_Ab12Cd34``) to tell tokens apart in a list."""
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""``last_used_at`` is written at most this often, so reads do not each become a write."""


@dataclass(frozen=True)
class IssuedToken:
    """A new token's row and its secret: show the secret once, it is not stored anywhere."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    """sha256 hex of the secret: enough for 256 random bits, and an indexed lookup."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_api_token(session: Session, user: User, name: str) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[:TOKEN_DISPLAY_LENGTH],
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, secret)


def find_api_token(session: Session, secret: str) -> ApiToken | None:
    """The live token for ``secret`` (user loaded), or None: unknown, revoked, or user inactive.
    Reads only."""
    return session.scalars(
        select(ApiToken)
        .join(ApiToken.user)
        .where(
            ApiToken.token_hash == hash_token(secret),
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
        .options(contains_eager(ApiToken.user))
    ).first()


def token_use_is_stale(token: ApiToken, now: datetime | None = None) -> bool:
    """Whether ``last_used_at`` is older than :data:`LAST_USED_RESOLUTION` (worth a write)."""
    now = now or utcnow()
    return token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION


def touch_api_token(session: Session, token_id: int, *, now: datetime | None = None) -> None:
    """Record a use of the token in ``last_used_at`` (one UPDATE, no read before it)."""
    now = now or utcnow()
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            (ApiToken.last_used_at.is_(None))
            | (ApiToken.last_used_at <= now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
    )


def revoke_api_token(session: Session, token: ApiToken, *, now: datetime | None = None) -> None:
    """Refuse the token from now on; revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        session.flush()


def list_api_tokens(session: Session, user_id: int) -> Sequence[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
    return session.scalars(query).all()


# --- audit log ---------------------------------------------------------------------------------


def append_audit(
    session: Session,
    action: str,
    *,
    actor_id: int | None,
    target_type: str,
    target_id: str | int | None = None,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Record one change, e.g. ``append_audit(s, "idea.publish", actor_id=3, target_type="idea",
    target_id=12)``. It commits (or rolls back) with the change it describes."""
    entry = AuditEntry(
        at=now or utcnow(),
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
    )
    session.add(entry)
    session.flush()
    return entry


def list_audit(
    session: Session,
    *,
    actor_id: int | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[AuditEntry]:
    """Entries newest first, filtered by whichever of actor, action and target are given."""
    query = select(AuditEntry)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if target_type is not None:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == str(target_id))
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    return session.scalars(query).all()


# --- templates ---------------------------------------------------------------------------------


def get_template(session: Session, template_id: str) -> Template | None:
    return session.get(Template, template_id)


def list_templates(session: Session) -> Sequence[Template]:
    return session.scalars(select(Template).order_by(Template.id)).all()


def add_template_version(
    session: Session,
    template_id: str,
    source: str,
    *,
    author_id: int | None = None,
    builtin: bool = False,
    version: int | None = None,
) -> TemplateVersion:
    """Store ``source`` as version ``version`` of ``template_id`` (default: the next one, 1 for
    a new template).

    ``builtin`` marks a template created by this call. Two writers adding the same version at
    once cannot both win: the second gets IntegrityError (the primary key).
    """
    template = session.get(Template, template_id)
    if template is None:
        template = Template(id=template_id, builtin=builtin)
        session.add(template)
        session.flush()
    if version is None:
        version = (latest_template_version_number(session, template_id) or 0) + 1
    row = TemplateVersion(
        template_id=template_id, version=version, source=source, author_id=author_id
    )
    session.add(row)
    session.flush()
    return row


def latest_template_version_number(session: Session, template_id: str) -> int | None:
    """The highest version number of ``template_id``; None when it has none."""
    return session.scalar(
        select(func.max(TemplateVersion.version)).where(TemplateVersion.template_id == template_id)
    )


def get_template_version(
    session: Session, template_id: str, version: int
) -> TemplateVersion | None:
    return session.get(TemplateVersion, (template_id, version))


def get_latest_template_version(session: Session, template_id: str) -> TemplateVersion | None:
    query = (
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template_id)
        .order_by(TemplateVersion.version.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def add_template_asset(
    session: Session,
    version: TemplateVersion,
    *,
    file_name: str,
    blob_key: str,
    sha256: str,
    size: int,
) -> TemplateAsset:
    """Record a component GLB of ``version`` whose bytes are already in the blob store."""
    asset = TemplateAsset(
        template_id=version.template_id,
        version=version.version,
        file_name=file_name,
        blob_key=blob_key,
        sha256=sha256,
        size=size,
    )
    session.add(asset)
    session.flush()
    return asset


# --- ideas -------------------------------------------------------------------------------------

MAX_SLUG_BASE = 60
"""A slug's readable part is cut at a word boundary to this length (before any ``-2``)."""
_TRANSLITERATION = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "đ": "d", "ł": "l"})


def slugify(text: str) -> str:
    """``"Käpylän ulkokuntosali!"`` -> ``"kapylan-ulkokuntosali"``; may be empty.

    ä, ö, å (and any other letter with a diacritic) lose the mark, as Finnish and Swedish URLs
    usually write them; everything but ``[a-z0-9]`` becomes a single hyphen.
    """
    text = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLITERATION))
    text = text.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > MAX_SLUG_BASE:
        cut = slug[: MAX_SLUG_BASE + 1].rfind("-")
        slug = slug[: cut if cut > 0 else MAX_SLUG_BASE].strip("-")
    return slug


def make_slug(title: str, exists: Callable[[str], bool], *, fallback: str = "idea") -> str:
    """A readable slug for ``title`` that ``exists`` says is free: ``name``, ``name-2``, …

    Stable: a slug is made once, when the idea is created, and kept when the title changes.
    """
    base = slugify(title) or fallback
    candidate, number = base, 2
    while exists(candidate):
        candidate = f"{base}-{number}"
        number += 1
    return candidate


def idea_slug_exists(session: Session, slug: str) -> bool:
    return session.scalar(select(Idea.id).where(Idea.slug == slug)) is not None


def new_idea_slug(session: Session, title: str) -> str:
    """A free slug for a new idea titled ``title``. The unique constraint still guards a race."""
    return make_slug(title, lambda slug: idea_slug_exists(session, slug))


def add_idea(session: Session, idea: Idea) -> Idea:
    """Insert ``idea``; IntegrityError on a taken slug or a template version that is missing."""
    session.add(idea)
    session.flush()
    return idea


def get_idea(session: Session, idea_id: int) -> Idea | None:
    return session.get(Idea, idea_id)


def get_idea_by_slug(session: Session, slug: str) -> Idea | None:
    return session.scalars(select(Idea).where(Idea.slug == slug)).first()


def list_ideas(session: Session, status: IdeaStatus | None = None) -> Sequence[Idea]:
    """All ideas (or those with ``status``), newest first."""
    query = select(Idea)
    if status is not None:
        query = query.where(Idea.status == status)
    return session.scalars(query.order_by(Idea.created_at.desc(), Idea.id.desc())).all()


def list_published_ideas(session: Session) -> Sequence[Idea]:
    """Published ideas, most recently published first: what the public gallery shows."""
    query = (
        select(Idea)
        .where(Idea.status == IdeaStatus.PUBLISHED)
        .order_by(Idea.published_at.desc(), Idea.id.desc())
    )
    return session.scalars(query).all()


# --- artifacts ---------------------------------------------------------------------------------


def get_artifact(session: Session, sha256: str, kind: ArtifactKind) -> Artifact | None:
    return session.get(Artifact, (sha256, kind))


def record_artifact(
    session: Session,
    *,
    sha256: str,
    kind: ArtifactKind,
    blob_key: str,
    size: int,
    source: dict[str, Any] | None = None,
) -> Artifact:
    """Record a built artifact, or return the row that already names it.

    Idempotent, also when another process records the same artifact at the same moment: the
    insert runs in a SAVEPOINT, and losing the race reads the winner's row.
    """
    existing = get_artifact(session, sha256, kind)
    if existing is not None:
        return existing
    artifact = Artifact(sha256=sha256, kind=kind, blob_key=blob_key, size=size, source=source or {})
    try:
        with session.begin_nested():
            session.add(artifact)
    except IntegrityError:
        winner = get_artifact(session, sha256, kind)
        if winner is None:
            raise
        return winner
    return artifact


# --- QR short codes ----------------------------------------------------------------------------

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford base32, as :mod:`arservice.printables.payload` prints and reads it."""
CODE_LENGTH = 7
"""32**7 = 34 billion codes: guessing a live one is hopeless, and the URL stays short."""


def new_code(session: Session, length: int = CODE_LENGTH) -> str:
    """A random unused code. The unique constraint still guards a race."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if get_qr_code(session, code) is None:
            return code


def create_qr_code(
    session: Session,
    *,
    target_idea_id: int | None = None,
    target_url: str | None = None,
    lang: str | None = None,
    label: str = "",
    code: str | None = None,
) -> QrCode:
    """A new active code for an idea *or* a URL (the caller has checked both)."""
    row = QrCode(
        code=code or new_code(session),
        target_idea_id=target_idea_id,
        target_url=target_url,
        lang=lang,
        label=label,
        active=True,
    )
    session.add(row)
    session.flush()
    return row


def get_qr_code(session: Session, code: str) -> QrCode | None:
    """The code as stored (upper case, normalized by the caller)."""
    return session.scalars(select(QrCode).where(QrCode.code == code)).first()


def get_qr_code_by_id(session: Session, code_id: int) -> QrCode | None:
    return session.get(QrCode, code_id)


def list_qr_codes(session: Session) -> Sequence[QrCode]:
    return session.scalars(select(QrCode).order_by(QrCode.id)).all()


@dataclass(frozen=True)
class Redirect:
    """What a scan of a code needs, read in one query: where to go, and whether it may."""

    code_id: int
    active: bool
    target_url: str | None
    idea_slug: str | None
    idea_status: IdeaStatus | None
    lang: str | None


def lookup_redirect(session: Session, code: str) -> Redirect | None:
    """The redirect for ``code`` (normalized), or None when no such code exists."""
    row = session.execute(
        select(
            QrCode.id,
            QrCode.active,
            QrCode.target_url,
            Idea.slug,
            Idea.status,
            QrCode.lang,
        )
        .outerjoin(Idea, Idea.id == QrCode.target_idea_id)
        .where(QrCode.code == code)
    ).first()
    if row is None:
        return None
    return Redirect(
        code_id=row[0],
        active=row[1],
        target_url=row[2],
        idea_slug=row[3],
        idea_status=row[4],
        lang=row[5],
    )


# --- campaigns ---------------------------------------------------------------------------------


def campaign_slug_exists(session: Session, slug: str) -> bool:
    return session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is not None


def create_campaign(
    session: Session,
    *,
    name: dict[str, str],
    languages: list[str],
    poster_size: str,
    created_by_id: int | None,
    slug: str | None = None,
) -> Campaign:
    """A new campaign without ideas; its slug is made from the first name when not given."""
    if slug is None:
        title = next(iter(name.values()), "")
        slug = make_slug(title, lambda s: campaign_slug_exists(session, s), fallback="campaign")
    campaign = Campaign(
        slug=slug,
        name=dict(name),
        languages=list(languages),
        poster_size=poster_size,
        created_by_id=created_by_id,
    )
    session.add(campaign)
    session.flush()
    return campaign


def add_campaign_entry(
    session: Session, campaign: Campaign, idea: Idea, code: QrCode
) -> CampaignEntry:
    """Put ``idea`` in ``campaign`` with its printed ``code``, after the entries already there."""
    position = len(campaign.entries)
    entry = CampaignEntry(campaign=campaign, idea=idea, code=code, position=position)
    session.add(entry)
    session.flush()
    return entry


def get_campaign(session: Session, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id)


def get_campaign_by_slug(session: Session, slug: str) -> Campaign | None:
    return session.scalars(select(Campaign).where(Campaign.slug == slug)).first()


def list_campaigns(session: Session) -> Sequence[Campaign]:
    """Every campaign, newest first."""
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    return session.scalars(query).all()


def campaigns_of_idea(session: Session, idea_id: int) -> Sequence[Campaign]:
    query = (
        select(Campaign)
        .join(CampaignEntry, CampaignEntry.campaign_id == Campaign.id)
        .where(CampaignEntry.idea_id == idea_id)
        .order_by(Campaign.id)
    )
    return session.scalars(query).all()


# --- scan counts -------------------------------------------------------------------------------

ScanKey = tuple[int, date, Platform]
"""(code id, UTC day, platform family): the whole of what is kept about a scan."""


def add_scan_counts(session: Session, counts: Mapping[ScanKey, int]) -> None:
    """Add ``counts`` to the stored ones, in one upsert per key.

    ``count = count + excluded.count`` runs in the database, so several processes flushing
    their buffers at once each add their own scans and none is lost. A count for a code that
    was deleted meanwhile would break the foreign key: such keys are dropped first.
    """
    if not counts:
        return
    existing = set(session.scalars(select(QrCode.id).where(QrCode.id.in_({k[0] for k in counts}))))
    rows = [
        {"code_id": code_id, "day": day, "platform": platform, "count": n}
        for (code_id, day, platform), n in sorted(counts.items())
        if n > 0 and code_id in existing
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ScanCount).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[ScanCount.code_id, ScanCount.day, ScanCount.platform],
        set_={"count": ScanCount.count + statement.excluded.count},
    )
    session.execute(statement)


@dataclass(frozen=True)
class ScanRow:
    code_id: int
    day: date
    platform: Platform
    count: int


def scan_counts(
    session: Session,
    code_ids: Iterable[int] | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
) -> list[ScanRow]:
    """Stored counts (of ``code_ids``, or all), between ``since`` and ``until`` inclusive,
    ordered by code, day and platform."""
    query = select(ScanCount)
    if code_ids is not None:
        query = query.where(ScanCount.code_id.in_(list(code_ids)))
    if since is not None:
        query = query.where(ScanCount.day >= since)
    if until is not None:
        query = query.where(ScanCount.day <= until)
    query = query.order_by(ScanCount.code_id, ScanCount.day, ScanCount.platform)
    return [ScanRow(r.code_id, r.day, r.platform, r.count) for r in session.scalars(query)]


# --- site assets -------------------------------------------------------------------------------


def get_site_asset(session: Session, name: str) -> SiteAsset | None:
    return session.get(SiteAsset, name)


def put_site_asset(
    session: Session,
    name: str,
    *,
    blob_key: str,
    sha256: str,
    content_type: str,
    size: int,
    updated_by_id: int | None,
) -> SiteAsset:
    """Create or replace the site asset ``name`` (the blob is already written)."""
    asset = get_site_asset(session, name)
    if asset is None:
        asset = SiteAsset(name=name)
        session.add(asset)
    asset.blob_key = blob_key
    asset.sha256 = sha256
    asset.content_type = content_type
    asset.size = size
    asset.updated_by_id = updated_by_id
    session.flush()
    return asset
