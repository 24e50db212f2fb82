"""The database schema as typed SQLAlchemy 2 models: staff, templates, ideas, artifacts, audit.

    users ─┬─< api_tokens                   a user's scripts; only a sha256 of each secret
           ├─< audit_entries (actor)        who changed what, when (actor kept when users go)
           └─< template_versions (author)
    templates ─< template_versions ─< template_assets
                        ^
    ideas ──────────────┘ (template_id, template_version)   or   uploaded_glb_key
    artifacts                                content-addressed: (sha256, kind)

    campaigns ─< campaign_entries >─ ideas   one printed code per idea in a campaign
                        │
    qr_codes ───────────┘ ─< scan_counts     a code's target: an idea or a URL (retargetable);
                                             counts per (code, day, platform), nothing else
    site_assets                              the city logo an admin uploads

Design choices, so that one schema runs on SQLite and PostgreSQL alike:

- Timestamps are :class:`UTCDateTime`: timezone-aware UTC in Python on both databases (SQLite
  keeps no offset, so the offset is added back on the way out; a naive value is refused on the
  way in). Defaults come from Python (``utcnow``), never from server SQL, so no dialect-specific
  default exists anywhere.
- Closed vocabularies (role, idea status, artifact kind) are ``Enum(native_enum=False)``: a
  VARCHAR with a named CHECK constraint on both databases, so adding a value later is an ordinary
  migration instead of PostgreSQL's ``ALTER TYPE``.
- Every constraint and index has a name from :data:`NAMING_CONVENTION`: Alembic's batch mode on
  SQLite and ``ALTER ... DROP CONSTRAINT`` on PostgreSQL both need names.
- Per-language texts (``{"fi": …, "sv": …, "en": …}``), parameter values, GeoPose and details are
  ``sqlalchemy.JSON``; the language maps and parameter values are :class:`MutableDict`, so
  ``idea.title["sv"] = "…"`` is saved, but changes *inside* nested values are not tracked:
  assign a new value instead.
- Money is integer euro cents (``pb_budget_cents``): exact, and the same type on both databases
  (SQLite has no decimal type, and SQLAlchemy warns when Numeric is used there).
- An artifact is named by ``(sha256, kind)``: the design names the GLB, the USDZ and the PNG of
  one model by the same input hash, so the hash alone is not unique.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SHA256_HEX = 64
"""Length of a sha256 as lowercase hex: artifact names, token hashes, asset checksums."""


def utcnow() -> datetime:
    """The current time, timezone-aware UTC: the default of every timestamp column."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that always gives and takes aware UTC datetimes.

    PostgreSQL stores ``timestamptz``; SQLite stores text without an offset, which is UTC because
    every value is converted before it is written.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"a naive datetime cannot be stored: {value!r}; give it a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _json() -> JSON:
    """JSON where Python ``None`` is SQL NULL (not the JSON text ``null``)."""
    return JSON(none_as_null=True)


def _mutable_json() -> Any:
    """A JSON object whose top-level changes are tracked: language maps, parameter values."""
    return MutableDict.as_mutable(JSON())


def _choice(enum_class: type[enum.StrEnum], name: str) -> Enum:
    """A closed vocabulary stored as its values in a VARCHAR with a named CHECK constraint."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Role(enum.StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    COMMS = "comms"


class IdeaStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class IdeaStage(enum.StrEnum):
    """How far the winning idea has got in the world (the public status line)."""

    WINNER = "winner"
    BUILDING = "building"
    BUILT = "built"


class Platform(enum.StrEnum):
    """The platform family a scan came from: all that is kept of a user agent."""

    IOS = "ios"
    ANDROID = "android"
    OTHER = "other"
    BOT = "bot"


class PosterSize(enum.StrEnum):
    A4 = "a4"
    A3 = "a3"


class ArtifactKind(enum.StrEnum):
    GLB = "glb"
    USDZ = "usdz"
    PNG = "png"


class User(Base):
    """A staff account. Emails are stored lowercased (the repositories normalize them)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_choice(Role, "role"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, email={self.email!r}, role={self.role!r})"


class ApiToken(Base):
    """A secret for scripts. Only its sha256 is kept: the secret is shown once, at creation.

    A token has 256 random bits, so a fast hash is safe (nothing to brute-force) and lets a
    request find its token by an indexed lookup of the hash.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(SHA256_HEX), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")

    def __repr__(self) -> str:
        return f"ApiToken(id={self.id!r}, user_id={self.user_id!r}, prefix={self.prefix!r})"


class AuditEntry(Base):
    """One change: who (``actor_id``, None for the system), what, to which thing, when."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index(None, "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(_json(), default=dict)

    def __repr__(self) -> str:
        return (
            f"AuditEntry(id={self.id!r}, action={self.action!r}, "
            f"target={self.target_type!r}:{self.target_id!r})"
        )


class Template(Base):
    """A template id (``outdoor-gym``); its text lives in numbered versions."""

    __tablename__ = "templates"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    builtin: Mapped[bool] = mapped_column(default=False)

    versions: Mapped[list[TemplateVersion]] = relationship(
        back_populates="template", order_by="TemplateVersion.version"
    )

    def __repr__(self) -> str:
        return f"Template(id={self.id!r}, builtin={self.builtin!r})"


class TemplateVersion(Base):
    """One version's source text, immutable once written; the key is ``(template_id, version)``.

    A composite primary key is the ``unique (template_id, version)`` itself: ideas and assets
    refer to a version by the two values people use, not by a surrogate number.
    """

    __tablename__ = "template_versions"

    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    template: Mapped[Template] = relationship(back_populates="versions")
    assets: Mapped[list[TemplateAsset]] = relationship(
        back_populates="template_version", order_by="TemplateAsset.file_name"
    )

    def __repr__(self) -> str:
        return f"TemplateVersion(template_id={self.template_id!r}, version={self.version!r})"


class TemplateAsset(Base):
    """A component GLB uploaded with one template version; its bytes are in the blob store."""

    __tablename__ = "template_assets"
    __table_args__ = (
        ForeignKeyConstraint(
            ["template_id", "version"],
            ["template_versions.template_id", "template_versions.version"],
            ondelete="CASCADE",
        ),
    )

    template_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    blob_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(SHA256_HEX))
    size: Mapped[int] = mapped_column(Integer)

    template_version: Mapped[TemplateVersion] = relationship(back_populates="assets")

    def __repr__(self) -> str:
        return (
            f"TemplateAsset(template_id={self.template_id!r}, version={self.version!r}, "
            f"file_name={self.file_name!r})"
        )


class Idea(Base):
    """A participatory-budgeting idea shown in AR.

    Texts are per-language maps. The model is a template version and parameter values, *or* an
    uploaded GLB (a CHECK forbids both; a draft may have neither yet). ``site`` is OGC GeoPose
    JSON (position and angles) and ``footprint`` an optional polygon, both stored as given by the
    services. The artifact hashes name rows of ``artifacts`` with kind glb / usdz / png.
    """

    __tablename__ = "ideas"
    __table_args__ = (
        ForeignKeyConstraint(
            ["template_id", "template_version"],
            ["template_versions.template_id", "template_versions.version"],
        ),
        CheckConstraint(
            "(template_id IS NULL AND template_version IS NULL) OR "
            "(template_id IS NOT NULL AND template_version IS NOT NULL)",
            name="template_id_with_version",
        ),
        CheckConstraint("template_id IS NULL OR uploaded_glb_key IS NULL", name="one_model_source"),
        CheckConstraint("pb_budget_cents IS NULL OR pb_budget_cents >= 0", name="budget"),
        Index(None, "template_id", "template_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[IdeaStatus] = mapped_column(
        _choice(IdeaStatus, "status"), default=IdeaStatus.DRAFT, index=True
    )
    title: Mapped[dict[str, str]] = mapped_column(_mutable_json(), default=dict)
    summary: Mapped[dict[str, str]] = mapped_column(_mutable_json(), default=dict)
    description: Mapped[dict[str, str]] = mapped_column(_mutable_json(), default=dict)

    pb_platform: Mapped[str | None] = mapped_column(String(32))
    pb_url: Mapped[str | None] = mapped_column(String(500))
    pb_project_id: Mapped[str | None] = mapped_column(String(100))
    pb_budget_cents: Mapped[int | None] = mapped_column(Integer)
    """The budget in euro cents: ``150_000_00`` is 150,000 €."""
    pb_selected: Mapped[bool] = mapped_column(default=False)
    stage: Mapped[IdeaStage] = mapped_column(_choice(IdeaStage, "stage"), default=IdeaStage.WINNER)
    district: Mapped[dict[str, str]] = mapped_column(_mutable_json(), default=dict)
    """The district's name per language (``{"fi": "Itäinen", "sv": "Östra"}``); may be empty."""

    site: Mapped[dict[str, Any] | None] = mapped_column(_json())
    footprint: Mapped[dict[str, Any] | None] = mapped_column(_json())

    template_id: Mapped[str | None] = mapped_column(String(64))
    template_version: Mapped[int | None] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(_mutable_json(), default=dict)
    uploaded_glb_key: Mapped[str | None] = mapped_column(String(200))

    glb_sha256: Mapped[str | None] = mapped_column(String(SHA256_HEX))
    usdz_sha256: Mapped[str | None] = mapped_column(String(SHA256_HEX))
    png_sha256: Mapped[str | None] = mapped_column(String(SHA256_HEX))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"Idea(id={self.id!r}, slug={self.slug!r}, status={self.status!r})"


class QrCode(Base):
    """A short code printed in a QR code (``/q/{code}``) and where it sends a scan now.

    The target is an idea (its page, with ``?lang=`` when ``lang`` is set) *or* any http(s) URL;
    a CHECK keeps exactly one. Changing the target retargets every printed copy. An inactive
    code shows a friendly page instead of redirecting.
    """

    __tablename__ = "qr_codes"
    __table_args__ = (
        CheckConstraint(
            "(target_idea_id IS NULL AND target_url IS NOT NULL) OR "
            "(target_idea_id IS NOT NULL AND target_url IS NULL)",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    """Upper-case Crockford base32, as printed (see :func:`arservice.printables.normalize_code`)."""
    label: Mapped[str] = mapped_column(String(200), default="")
    target_idea_id: Mapped[int | None] = mapped_column(
        ForeignKey("ideas.id", ondelete="RESTRICT"), index=True
    )
    target_url: Mapped[str | None] = mapped_column(String(2000))
    lang: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    target_idea: Mapped[Idea | None] = relationship()

    def __repr__(self) -> str:
        return f"QrCode(id={self.id!r}, code={self.code!r}, active={self.active!r})"


class Campaign(Base):
    """A named set of ideas, each with its own printed code: "OmaStadi 2025 winners, Itä"."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(_mutable_json(), default=dict)
    languages: Mapped[list[str]] = mapped_column(JSON(), default=list)
    """The poster languages, in print order (``["fi", "sv"]``)."""
    poster_size: Mapped[PosterSize] = mapped_column(
        _choice(PosterSize, "poster_size"), default=PosterSize.A4
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[CampaignEntry]] = relationship(
        back_populates="campaign",
        order_by="CampaignEntry.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"Campaign(id={self.id!r}, slug={self.slug!r})"


class CampaignEntry(Base):
    """One idea in a campaign and the code printed for it there (a code is in one campaign)."""

    __tablename__ = "campaign_entries"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    idea_id: Mapped[int] = mapped_column(
        ForeignKey("ideas.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    code_id: Mapped[int] = mapped_column(
        ForeignKey("qr_codes.id", ondelete="RESTRICT"), unique=True
    )
    position: Mapped[int] = mapped_column(Integer)

    campaign: Mapped[Campaign] = relationship(back_populates="entries")
    idea: Mapped[Idea] = relationship()
    code: Mapped[QrCode] = relationship()

    def __repr__(self) -> str:
        return f"CampaignEntry(campaign_id={self.campaign_id!r}, idea_id={self.idea_id!r})"


class ScanCount(Base):
    """How many scans one code had on one (UTC) day from one platform family. Nothing else about
    a scan is kept: no address, no user agent, no cookie, no referrer, no time of day."""

    __tablename__ = "scan_counts"
    __table_args__ = (CheckConstraint("count >= 0", name="count"),)

    code_id: Mapped[int] = mapped_column(
        ForeignKey("qr_codes.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    platform: Mapped[Platform] = mapped_column(_choice(Platform, "platform"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return (
            f"ScanCount(code_id={self.code_id!r}, day={self.day!r}, "
            f"platform={self.platform!r}, count={self.count!r})"
        )


class SiteAsset(Base):
    """A file the whole site uses, by name (``logo``: the city logo on posters and QR codes)."""

    __tablename__ = "site_assets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    blob_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(SHA256_HEX))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"SiteAsset(name={self.name!r}, size={self.size!r})"


class Artifact(Base):
    """A built file in the blob store, named by its input hash and kind (``/a/{sha256}.glb``).

    ``source`` records what it was built from (generator version, template id and version,
    canonical parameters, or the uploaded file), so a build can be explained and reproduced.
    """

    __tablename__ = "artifacts"

    sha256: Mapped[str] = mapped_column(String(SHA256_HEX), primary_key=True)
    kind: Mapped[ArtifactKind] = mapped_column(_choice(ArtifactKind, "kind"), primary_key=True)
    blob_key: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[dict[str, Any]] = mapped_column(_json(), default=dict)

    def __repr__(self) -> str:
        return f"Artifact(sha256={self.sha256!r}, kind={self.kind!r})"
