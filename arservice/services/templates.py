"""Templates in the database: the built-in ones kept in step with the package, and lookups.

Every template a service builds from is a stored version (``template_versions``), the built-in
ones included: an idea names ``(template_id, version)``, and that version's text stays the same
for as long as the idea points at it, whatever the package or a planner does later.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from arservice.errors import ErrorItem, NotFoundError
from arservice.i18n import N_
from arservice.parametric import Template, load_template
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore
from arservice.store.builtin import builtin_template, builtin_template_paths, material_library

logger = logging.getLogger(__name__)

MSG_NO_TEMPLATE = N_("there is no template '{name}'; templates are: {known}")
MSG_NO_TEMPLATE_HINT = N_("there is no template '{name}'; did you mean '{hint}'?")
MSG_NO_VERSION = N_("template '{name}' has no version {version}; its versions are {versions}")


def sync_builtin_templates(session: Session) -> list[tuple[str, int]]:
    """Store each built-in template's version unless the database has it; the added
    ``(id, version)`` pairs.

    A new release that changes a built-in template gives it a new ``version``, which is added
    beside the old one. A file whose version is stored with other text is left as stored (and
    logged): a stored version never changes.
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
    """One stored template version, parsed, with the bytes of its component GLBs by file name."""

    template: Template
    asset_files: dict[str, bytes]
    builtin: bool


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
    if version is None:
        row = repo.get_latest_template_version(session, template_id)
    else:
        row = repo.get_template_version(session, template_id, version)
    if row is None:
        raise _not_found(session, template_id, version)
    template = _parse(row.template_id, row.version, row.source)
    assets = {asset.file_name: blobs.get(asset.blob_key) for asset in row.assets}
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
