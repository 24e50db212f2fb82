"""Templates in the database: the built-in ones kept in step with the package, and lookups.

Every template a service builds from is a stored version (``template_versions``), the built-in
ones included: an idea names ``(template_id, version)``, and that version's text stays the same
for as long as the idea points at it, whatever the package or a planner does later.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from arservice.store import repositories as repo
from arservice.store.builtin import builtin_template, builtin_template_paths

logger = logging.getLogger(__name__)


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
