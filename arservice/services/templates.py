"""Templates in the database: the built-in ones kept in step with the package, lookups, and
planners' uploads of new templates and new versions.

Every template a service builds from is a stored version (``template_versions``), the built-in
ones included: an idea names ``(template_id, version)``, and that version's text stays the same
for as long as the idea points at it, whatever the package or a planner does later.

Uploads (:func:`upload_template`), the rules:

- The document's ``id`` names the template: a new id makes a new template, a known one a new
  version of it, whose ``version`` must be greater than the newest stored one (ConflictError
  otherwise, naming the number to give). Versions are never replaced or deleted.
- Built-in templates take new versions too: that is how a city adapts one. The template stays
  marked built-in. A later release that ships a new built-in version with a number a planner
  has already used leaves the planner's version in place (:func:`sync_builtin_templates` logs
  it); a release that ships a higher number makes that the newest.
- Component GLBs: every file a part (or a component's part) names in ``asset:`` is uploaded
  with the version, or carried over unchanged from the newest stored version when that one has a
  file of the same name. Files are checked by :func:`arservice.services.uploads.check_glb`; a
  file no part uses, a file uploaded twice and a file that is missing are refused.
- Every problem of the upload is reported at once (template, files, version number); then the
  model is built once at the default values, and a template that cannot build is refused with
  the build's error.
- Nothing is half-written: rows are written in the caller's transaction after every check has
  passed. The GLBs are put in the blob store just before, under content addresses
  (``template-assets/<sha256>.glb``): when the transaction then fails, a blob may be left that
  no row names, which is harmless (the same bytes would be stored under the same key again).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from arservice.errors import (
    ArServiceError,
    AssetError,
    BuildError,
    ConflictError,
    ErrorItem,
    NotFoundError,
    TemplateError,
)
from arservice.i18n import N_
from arservice.parametric import Template, load_template
from arservice.parametric.loader import parse_document, source_lines
from arservice.services.models import build_model
from arservice.services.uploads import (
    COMPONENT_MAX_BYTES,
    CheckedGlb,
    asset_uses,
    check_component_files,
    component_file_problems,
)
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore
from arservice.store.builtin import builtin_template, builtin_template_paths, material_library
from arservice.store.models import TemplateAsset, TemplateVersion

logger = logging.getLogger(__name__)

MSG_NO_TEMPLATE = N_("there is no template '{name}'; templates are: {known}")
MSG_NO_TEMPLATE_HINT = N_("there is no template '{name}'; did you mean '{hint}'?")
MSG_NO_VERSION = N_("template '{name}' has no version {version}; its versions are {versions}")
MSG_VERSION_EXISTS = N_(
    "template '{name}' has version {newest} already; give version {next} to add a new version"
)
MSG_VERSION_TOO_HIGH = N_("must be at most {max}")
MSG_PARAM_RESERVED = N_(
    "the name '{name}' is reserved in the model's address (model.glb?{name}=...); "
    "choose another parameter name"
)

MAX_VERSION = 1_000_000
"""Version numbers stay within every database's integer column."""
RESERVED_PARAMS = frozenset({"lang", "version"})
"""Query keys of the model endpoint (``model.glb?version=2&lang=fi``) that cannot be parameters."""


def sync_builtin_templates(session: Session) -> list[tuple[str, int]]:
    """Store each built-in template's version unless the database has it; the added
    ``(id, version)`` pairs.

    A new release that changes a built-in template gives it a new ``version``, which is added
    beside the old one. A file whose version is stored with other text (a planner may have
    uploaded that number already) is left as stored, and logged: a stored version never changes.
    """
    added = []
    for template_id, path in builtin_template_paths().items():
        template = builtin_template(template_id)
        source = path.read_text(encoding="utf-8")
        stored = repo.get_template_version(session, template_id, template.version)
        if stored is None:
            repo.add_template_version(
                session, template_id, source, builtin=True, version=template.version
            )
            added.append((template_id, template.version))
        elif stored.source != source:
            logger.warning(
                "built-in template %s version %d differs from the stored one; the stored text "
                "is kept: give the changed template a new version",
                template_id,
                template.version,
            )
    return added


@dataclass(frozen=True)
class StoredTemplate:
    """One stored template version, parsed, with the bytes of its component GLBs by file name
    (read when first asked for: see :class:`StoredFiles`)."""

    template: Template
    asset_files: Mapping[str, bytes]
    builtin: bool


class StoredFiles(Mapping[str, bytes]):
    """A version's component GLBs by file name, each read from the blob store the first time
    its bytes are asked for. A preview or a publish whose model is built already (the model's
    hash is the template's id, version and values, not the files' bytes) reads none of them;
    before, every preview read every file of its template (a network round trip each on S3)."""

    def __init__(self, blobs: BlobStore, keys: Mapping[str, str]) -> None:
        self._blobs = blobs
        self._keys = dict(keys)
        self._read: dict[str, bytes] = {}

    def __getitem__(self, name: str) -> bytes:
        if name not in self._read:
            self._read[name] = self._blobs.get(self._keys[name])
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


ASSET_PREFIX = "template-assets"
"""Blob keys of component GLBs: ``template-assets/<sha256>.glb`` (content-addressed, so two
versions that carry the same file share it)."""


def asset_key(sha256: str) -> str:
    return f"{ASSET_PREFIX}/{sha256}.glb"


@lru_cache(maxsize=128)
def _parse(template_id: str, version: int, source: str) -> Template:
    # A stored version never changes, so its parse is kept; the source is part of the key all
    # the same, so a database rebuilt under the same process cannot be answered from a stale one.
    return load_template(source.encode("utf-8"), material_library())


def stored_template(
    session: Session, blobs: BlobStore, template_id: str, version: int | None = None
) -> StoredTemplate:
    """The stored ``template_id`` at ``version`` (default: the newest), parsed, with its
    component GLBs; NotFoundError naming what exists when there is no such template or version."""
    row = _version_row(session, template_id, version)
    template = _parse(row.template_id, row.version, row.source)
    assets = StoredFiles(blobs, {asset.file_name: asset.blob_key for asset in row.assets})
    return StoredTemplate(template, assets, row.template.builtin)


def _not_found(session: Session, template_id: str, version: int | None) -> NotFoundError:
    known = [template.id for template in repo.list_templates(session)]
    if template_id in known:
        versions = [row.version for row in repo.get_template(session, template_id).versions]  # type: ignore[union-attr]
        return NotFoundError(
            [
                ErrorItem(
                    "version",
                    MSG_NO_VERSION,
                    {"name": template_id, "version": version, "versions": _listed(versions)},
                )
            ]
        )
    hints = difflib.get_close_matches(template_id, known, n=1, cutoff=0.6)
    if hints:
        return NotFoundError(
            [ErrorItem("", MSG_NO_TEMPLATE_HINT, {"name": template_id, "hint": hints[0]})]
        )
    return NotFoundError(
        [ErrorItem("", MSG_NO_TEMPLATE, {"name": template_id, "known": _listed(known)})]
    )


def _listed(values: list[Any]) -> str:
    return ", ".join(str(value) for value in values)


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateInfo:
    """One stored version, parsed (no component bytes: see :func:`stored_template`), with what
    a listing shows about its template."""

    template: Template
    builtin: bool
    versions: tuple[int, ...]
    asset_names: tuple[str, ...]
    """The component files of this version."""


@dataclass(frozen=True)
class VersionInfo:
    version: int
    author_id: int | None
    created_at: datetime
    asset_names: tuple[str, ...]


def template_info(session: Session, template_id: str, version: int | None = None) -> TemplateInfo:
    """``template_id`` at ``version`` (default: the newest), parsed; NotFoundError."""
    row = _version_row(session, template_id, version)
    return TemplateInfo(
        _parse(row.template_id, row.version, row.source),
        row.template.builtin,
        tuple(v.version for v in row.template.versions),
        tuple(asset.file_name for asset in row.assets),
    )


def list_template_infos(session: Session) -> list[TemplateInfo]:
    """Every stored template at its newest version, by id. A version that no longer loads (it
    cannot, unless the material library lost a preset it names) is logged and left out."""
    result = []
    for template in repo.list_templates(session):
        try:
            result.append(template_info(session, template.id))
        except (ArServiceError, LookupError):
            logger.exception("stored template %s does not load; it is left out", template.id)
    return result


def template_versions(session: Session, template_id: str) -> list[VersionInfo]:
    """Every version of ``template_id``, oldest first; NotFoundError."""
    template = repo.get_template(session, template_id)
    if template is None or not template.versions:
        raise _not_found(session, template_id, None)
    return [
        VersionInfo(
            row.version,
            row.author_id,
            row.created_at,
            tuple(asset.file_name for asset in row.assets),
        )
        for row in template.versions
    ]


def template_source(session: Session, template_id: str, version: int) -> str:
    """The text of one version, exactly as it was stored; NotFoundError."""
    return _version_row(session, template_id, version).source


def _version_row(session: Session, template_id: str, version: int | None) -> TemplateVersion:
    if version is None:
        row = repo.get_latest_template_version(session, template_id)
    else:
        row = repo.get_template_version(session, template_id, version)
    if row is None:
        raise _not_found(session, template_id, version)
    return row


# --- uploads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedTemplate:
    """A version stored by :func:`upload_template`."""

    template: Template
    builtin: bool
    new_template: bool
    uploaded: tuple[str, ...]
    """Component files that came with this upload."""
    carried_over: tuple[str, ...]
    """Component files taken unchanged from the previous version."""

    @property
    def asset_names(self) -> tuple[str, ...]:
        return tuple(sorted((*self.uploaded, *self.carried_over)))


def upload_template(
    session: Session,
    blobs: BlobStore,
    source: bytes,
    assets: Mapping[str, bytes] | Sequence[tuple[str, bytes]],
    *,
    author_id: int | None,
    max_asset_bytes: int = COMPONENT_MAX_BYTES,
) -> UploadedTemplate:
    """Store ``source`` (YAML or JSON, UTF-8) as a new template or a new version, with its
    component GLBs ``assets`` (file name -> bytes; as pairs, a name given twice is refused).

    Raises TemplateError (with every problem: the template's, the files', the version's) or
    AssetError (only the files are wrong), ConflictError when only the version number is taken,
    and the build's error when the template cannot build at its defaults. Writes nothing then.
    Each problem in the template's text carries its line there (``ErrorItem.line``).
    """
    try:
        return _upload(session, blobs, source, assets, author_id, max_asset_bytes)
    except (TemplateError, BuildError) as exc:
        raise exc.with_lines(source_lines(source)) from None


def _upload(
    session: Session,
    blobs: BlobStore,
    source: bytes,
    assets: Mapping[str, bytes] | Sequence[tuple[str, bytes]],
    author_id: int | None,
    max_asset_bytes: int,
) -> UploadedTemplate:
    pairs = list(assets.items()) if isinstance(assets, Mapping) else list(assets)
    template, template_items = _load(source)
    checked, asset_items = check_component_files(pairs, max_bytes=max_asset_bytes)
    uploaded = {name for name, _ in pairs}
    newest = repo.get_latest_template_version(session, template.id) if template else None
    carried: dict[str, TemplateAsset] = {}
    if template is not None:
        template_items.extend(_own_rules(template))
        used = asset_uses(template)
        for asset in newest.assets if newest else ():
            if asset.file_name in used and asset.file_name not in uploaded:
                carried[asset.file_name] = asset
        asset_items.extend(component_file_problems(uploaded, checked, used, set(carried)))
    version_item = _version_problem(session, source, template)
    if template_items or asset_items:
        kind = TemplateError if template_items else AssetError
        raise kind([*template_items, *asset_items, *([version_item] if version_item else [])])
    assert template is not None
    if version_item is not None:
        raise ConflictError([version_item])
    files = {name: glb.data for name, glb in checked.items()}
    files.update({name: blobs.get(asset.blob_key) for name, asset in carried.items()})
    build_model(template, {}, library=material_library(), asset_files=files)
    return _store(session, blobs, template, source, checked, carried, author_id, newest is None)


def _load(source: bytes) -> tuple[Template | None, list[ErrorItem]]:
    try:
        return load_template(source, material_library()), []
    except TemplateError as error:
        return None, list(error.items)


def _version_problem(
    session: Session, source: bytes, template: Template | None
) -> ErrorItem | None:
    """The version number is taken; told also when the template is otherwise broken, as long as
    its ``id`` and ``version`` can be read."""
    if template is not None:
        template_id, version = template.id, template.version
    else:
        try:
            document = parse_document(source)
        except TemplateError:
            return None
        if not isinstance(document, dict):
            return None
        raw_id, raw_version = document.get("id"), document.get("version")
        if not isinstance(raw_id, str) or type(raw_version) is not int:
            return None
        template_id, version = raw_id, raw_version
    newest = repo.latest_template_version_number(session, template_id)
    if newest is not None and version <= newest:
        return _version_taken(template_id, newest)
    return None


def _own_rules(template: Template) -> list[ErrorItem]:
    """What the service asks beyond the format: a storable version number, parameter names
    that do not clash with the model endpoint's own query keys."""
    problems = []
    if template.version > MAX_VERSION:
        problems.append(ErrorItem("version", MSG_VERSION_TOO_HIGH, {"max": MAX_VERSION}))
    for name in sorted(RESERVED_PARAMS & set(template.params)):
        problems.append(ErrorItem(f"params.{name}", MSG_PARAM_RESERVED, {"name": name}))
    return problems


def _version_taken(template_id: str, newest: int) -> ErrorItem:
    params = {"name": template_id, "newest": newest, "next": newest + 1}
    return ErrorItem("version", MSG_VERSION_EXISTS, params)


def _store(
    session: Session,
    blobs: BlobStore,
    template: Template,
    source: bytes,
    checked: Mapping[str, CheckedGlb],
    carried: Mapping[str, TemplateAsset],
    author_id: int | None,
    new_template: bool,
) -> UploadedTemplate:
    for glb in checked.values():
        key = asset_key(glb.sha256)
        if blobs.size(key) != glb.size:
            blobs.put(key, glb.data)
    text = source.decode("utf-8").removeprefix("\ufeff")
    try:
        with session.begin_nested():
            row = repo.add_template_version(
                session, template.id, text, author_id=author_id, version=template.version
            )
    except IntegrityError:  # another upload took the number a moment ago
        newest = repo.latest_template_version_number(session, template.id) or template.version
        raise ConflictError([_version_taken(template.id, newest)]) from None
    stored = [(name, asset_key(glb.sha256), glb.sha256, glb.size) for name, glb in checked.items()]
    stored += [(name, a.blob_key, a.sha256, a.size) for name, a in carried.items()]
    for name, key, sha256, size in stored:
        repo.add_template_asset(
            session, row, file_name=name, blob_key=key, sha256=sha256, size=size
        )
    result = UploadedTemplate(
        template, row.template.builtin, new_template, tuple(sorted(checked)), tuple(sorted(carried))
    )
    repo.append_audit(
        session,
        "template.upload",
        actor_id=author_id,
        target_type="template",
        target_id=template.id,
        details={
            "version": template.version,
            "assets": list(result.asset_names),
            "carried_over": list(result.carried_over),
            "new_template": new_template,
        },
    )
    return result
