"""The service's settings: environment variables ``ARSERVICE_*``, read once by the app factory.

    settings = Settings()                          # from the environment
    settings = Settings(data_dir=tmp_path)         # in a test: values override the environment
    app = create_app(settings)

Nothing reads the environment at import time: :class:`Settings` is built by whoever starts the
app (``arservice serve``, a test) and handed to ``create_app``. Every field is documented in
``docs/operations.md`` (a test fails when one is missing there).

The secret key signs session cookies. When ``ARSERVICE_SECRET_KEY`` is unset, the first start
generates one and keeps it in ``<data_dir>/secret_key`` (mode 0600), so sessions survive a
restart; several instances behind one load balancer must share one key, so set it there.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from arservice.store.blobs import BlobStore, LocalBlobStore

logger = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret_key"
"""The file under ``data_dir`` that keeps a generated secret key."""
MIN_SECRET_KEY_CHARS = 32
"""A secret key shorter than this is refused: it would be guessable."""
DEVELOPMENT_HOSTS = ("localhost", "127.0.0.1", "[::1]")
"""The hosts an ``http://`` embed origin may name: a developer's own machine, nothing else."""
EMBED_ORIGIN_RE = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[::1\])"
    r"(?::(?P<port>[0-9]{1,5}))?/?"
)


class Settings(BaseSettings):
    """Every setting of the service; the environment variable is ``ARSERVICE_`` + the name."""

    model_config = SettingsConfigDict(env_prefix="ARSERVICE_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Directory for the SQLite database, the blob store (artifacts, uploads) and "
        "a generated secret key; created on first start.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy database URL; PostgreSQL as postgresql+psycopg://user:pw@host/db. "
        "Unset: sqlite:///<data_dir>/arservice.db.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key that signs session cookies, at least 32 characters. Unset: generated on "
        "first start and kept in <data_dir>/secret_key (mode 0600). Set it when several "
        "instances serve one site.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The public address of the service as residents reach it (scheme, host, "
        "optional path prefix), used in links and QR codes.",
    )
    public_artifact_base_url: str | None = Field(
        default=None,
        description="Where artifacts are published when not by this service's /a/ (a CDN or "
        "bucket holding the same files): artifact links become <value>/<sha256>.<ext>.",
    )
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024,
        gt=0,
        description="The largest request body accepted for an upload (a template or a GLB), in "
        "bytes.",
    )
    demo_ideas: bool = Field(
        default=True,
        description="Seed a few demo ideas (fi/sv/en, published) when the database is created, so "
        "a new installation shows something at once. Set false for a production site.",
    )
    default_language: Literal["fi", "sv", "en"] = Field(
        default="fi",
        description="Language of messages when a request names none (no ?lang= and no "
        "Accept-Language that matches fi, sv or en).",
    )
    scan_flush_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Scans of /q/ codes are counted in memory and added to the database this often "
        "(and when the server stops), so counting never slows a redirect.",
    )
    max_logo_bytes: int = Field(
        default=2 * 1024 * 1024,
        gt=0,
        description="The largest city logo an admin may upload (PNG, JPEG or SVG), in bytes.",
    )

    s3_bucket: str | None = Field(
        default=None,
        min_length=3,
        max_length=63,
        pattern=r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$",
        description="Keep blobs (artifacts, uploads) in this S3-compatible bucket instead of "
        "<data_dir>/blobs. The bucket must exist; versioning on is recommended (docs: Backups).",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="The object store's address for a server other than AWS S3 (MinIO, Ceph, "
        "…), such as https://s3.example.org. Unset: AWS S3 in s3_region.",
    )
    s3_region: str | None = Field(
        default=None,
        description="The bucket's region (eu-north-1); unset: the SDK's default (AWS_REGION).",
    )
    s3_access_key_id: str | None = Field(
        default=None,
        description="Access key for the bucket; set with s3_secret_access_key. Both unset: the "
        "SDK's own chain (AWS_* variables, profile, instance or pod role).",
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None, description="The secret of s3_access_key_id; never logged."
    )
    s3_prefix: str = Field(
        default="",
        pattern=r"^([a-z0-9][a-z0-9_.-]*/)*$",
        description="A folder in a shared bucket for this service's objects, ending in / "
        "(arservice/); empty: the bucket's top.",
    )
    s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto",
        description="How the bucket is named in requests: path (https://host/bucket/key, what "
        "MinIO and Ceph usually want), virtual (https://bucket.host/key) or auto (the SDK's "
        "choice).",
    )
    s3_connect_timeout: float = Field(
        default=3.0,
        gt=0,
        le=60,
        description="Seconds to wait for a connection to the object store before giving up.",
    )
    s3_read_timeout: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds to wait for the object store's answer before giving up.",
    )
    s3_max_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Tries of one request to the object store (the first included), with "
        "backoff, on a timeout, throttling or a server error.",
    )
    s3_cache_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="Bytes of blobs each process keeps in memory after reading or writing them "
        "from the bucket, so popular artifacts skip a round trip and still serve while the store "
        "is away; 0: none.",
    )

    embed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="The sites allowed to show /embed/{slug} in an iframe (the city's Decidim, "
        "such as https://omastadi.hel.fi), separated by commas: each an https:// origin "
        "(scheme, host, optional port; no path), or http://localhost:<port> for development. "
        "Unset: only this service itself; every other page may never be framed.",
    )

    @field_validator("base_url", "public_artifact_base_url", "s3_endpoint_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(
                "must be an absolute http:// or https:// URL, such as https://ar.example.org"
            )
        if parts.query or parts.fragment:
            raise ValueError("must have no ?query or #fragment")
        return value

    @field_validator("embed_origins", mode="before")
    @classmethod
    def _origin_list(cls, value: Any) -> Any:
        """``"https://a.fi, https://b.fi"`` (the environment's form) -> a list of origins."""
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value

    @field_validator("embed_origins")
    @classmethod
    def _embed_origins(cls, values: list[str]) -> list[str]:
        origins: list[str] = []
        for value in values:
            origin = embed_origin(value)
            if origin not in origins:
                origins.append(origin)
        return origins

    @model_validator(mode="after")
    def _default_database_url(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'arservice.db'}"
        return self

    @model_validator(mode="after")
    def _s3_credentials_in_pairs(self) -> Settings:
        if (self.s3_access_key_id is None) != (self.s3_secret_access_key is None):
            raise ValueError(
                "set both ARSERVICE_S3_ACCESS_KEY_ID and ARSERVICE_S3_SECRET_ACCESS_KEY, or "
                "neither (then the SDK's own credentials are used)"
            )
        return self

    def blob_store(self) -> BlobStore:
        """The blob store these settings name: the S3 bucket when ``s3_bucket`` is set, else
        files under ``<data_dir>/blobs``."""
        if self.s3_bucket is None:
            return LocalBlobStore(self.data_dir / "blobs")
        from arservice.store.s3 import S3BlobStore, S3Config  # boto3 only when it is used

        secret = self.s3_secret_access_key
        return S3BlobStore(
            S3Config(
                bucket=self.s3_bucket,
                endpoint_url=self.s3_endpoint_url,
                region=self.s3_region,
                access_key_id=self.s3_access_key_id,
                secret_access_key=None if secret is None else secret.get_secret_value(),
                prefix=self.s3_prefix,
                addressing_style=self.s3_addressing_style,
                connect_timeout=self.s3_connect_timeout,
                read_timeout=self.s3_read_timeout,
                max_attempts=self.s3_max_attempts,
                cache_bytes=self.s3_cache_bytes,
            )
        )

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_KEY_CHARS:
            raise ValueError(f"must be at least {MIN_SECRET_KEY_CHARS} characters")
        return value

    def resolved_secret_key(self) -> SecretStr:
        """The configured secret key, else the one kept under ``data_dir`` (made if absent)."""
        if self.secret_key is not None:
            return self.secret_key
        return load_or_create_secret_key(self.data_dir / SECRET_KEY_FILE)


def embed_origin(value: str) -> str:
    """``https://OmaStadi.hel.fi/`` -> ``https://omastadi.hel.fi``; ValueError, naming the value,
    for anything but an https origin, or an http one on the developer's own machine. A path, a
    wildcard or a bare ``https:`` would let more sites frame the page than the one meant, and
    any other character could end the Content-Security-Policy directive it goes into."""
    match = EMBED_ORIGIN_RE.fullmatch(value.strip().lower())
    port = match and match["port"]
    if (
        match is None
        or (port is not None and not 0 < int(port) < 65536)
        or (match["scheme"] == "http" and match["host"] not in DEVELOPMENT_HOSTS)
    ):
        raise ValueError(
            f"{value!r} is not an origin that may frame /embed/: give https://host or "
            "https://host:port (no path, no wildcard; a non-ASCII host in its xn-- form), or "
            "http://localhost:port for development"
        )
    return f"{match['scheme']}://{match['host']}" + (f":{port}" if port else "")


def load_or_create_secret_key(path: Path) -> SecretStr:
    """The key in ``path``; when there is none, a new random one written there with mode 0600.

    Two processes starting at once agree on one key: the new file is linked into place only if
    no file is there yet, and the loser reads the winner's key.
    """
    existing = _read_secret_key(path)
    if existing is not None:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    except FileExistsError:
        found = _read_secret_key(path)
        if found is None:
            raise
        return found
    finally:
        Path(temporary).unlink(missing_ok=True)
    logger.warning(
        "ARSERVICE_SECRET_KEY is not set: generated a secret key and saved it in %s (mode 0600); "
        "keep that file private, or set ARSERVICE_SECRET_KEY",
        path,
    )
    return SecretStr(key)


def _read_secret_key(path: Path) -> SecretStr | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    if len(text) < MIN_SECRET_KEY_CHARS:
        raise ValueError(f"{path} holds no usable secret key: delete it or set the key")
    if path.stat().st_mode & 0o077:
        logger.warning("%s can be read by other users: chmod 600 it", path)
    return SecretStr(text)
