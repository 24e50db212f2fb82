"""Demo ideas: a few published example ideas on a new installation, so it shows something at once.

``assets/demo/ideas.yaml`` lists them as ``POST /api/v1/ideas`` takes them; each is created and
published through :mod:`arservice.services.ideas`, as by the API (with no actor: the system).
That happens once: only on a database with no ideas and no ``demo.seed`` audit entry, and it
writes that entry, so demo ideas a city deleted or archived never come back.

The demo ideas have a stage (one is being built, one is built) and a district, so the gallery's
status line and district filter show something. A database seeded before ideas had either gets
them once (:func:`fill_demo_details`, recorded as ``demo.details``): only for the demo ideas
still as seeded (a winner in no district), so a city's own edits are never overwritten.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from ruamel.yaml import YAML
from sqlalchemy import select
from sqlalchemy.orm import Session

from arservice.services import ideas
from arservice.services.artifacts import ArtifactBuilder
from arservice.services.idea_input import IdeaCreate, IdeaUpdate
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore
from arservice.store.builtin import assets_dir
from arservice.store.models import Idea, IdeaStage

SEED_ACTION = "demo.seed"
DETAILS_ACTION = "demo.details"

_ENTRIES = TypeAdapter(list[IdeaCreate])


def demo_ideas_path() -> Path:
    return assets_dir() / "demo" / "ideas.yaml"


def load_demo_ideas(path: Path | None = None) -> list[IdeaCreate]:
    """The demo ideas of ``path`` (default: the packaged ``demo/ideas.yaml``), checked for shape."""
    document: Any = YAML(typ="safe", pure=True).load((path or demo_ideas_path()).read_text("utf-8"))
    return _ENTRIES.validate_python(document["ideas"])


def should_seed(session: Session) -> bool:
    """True on a new database: no idea exists and the demo ideas were never seeded."""
    if session.scalar(select(Idea.id).limit(1)) is not None:
        return False
    return not repo.list_audit(session, action=SEED_ACTION, limit=1)


def seed_demo_ideas(
    session: Session, blobs: BlobStore, builder: ArtifactBuilder, *, path: Path | None = None
) -> list[str]:
    """Create and publish the demo ideas on a new database; their slugs (none when the database
    is not new). Runs in the caller's transaction: a failure stores none of them."""
    if not should_seed(session):
        fill_demo_details(session, blobs, builder, path=path)
        return []
    slugs = []
    for entry in load_demo_ideas(path):
        idea = ideas.create_idea(session, blobs, entry, actor_id=None)
        ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
        slugs.append(idea.slug)
    repo.append_audit(
        session, SEED_ACTION, actor_id=None, target_type="idea", details={"ideas": slugs}
    )
    repo.append_audit(session, DETAILS_ACTION, actor_id=None, target_type="idea")
    return slugs


def fill_demo_details(
    session: Session, blobs: BlobStore, builder: ArtifactBuilder, *, path: Path | None = None
) -> list[str]:
    """Give the demo ideas seeded before ideas had a stage and a district theirs, once; the
    slugs changed. An idea someone has given a stage or a district since is left alone."""
    seeded = repo.list_audit(session, action=SEED_ACTION, limit=1)
    if not seeded or repo.list_audit(session, action=DETAILS_ACTION, limit=1):
        return []
    wanted = {entry.slug: entry for entry in load_demo_ideas(path) if entry.slug}
    changed = []
    for slug in seeded[0].details.get("ideas", []):
        idea = repo.get_idea_by_slug(session, slug)
        entry = wanted.get(slug)
        if idea is None or entry is None or idea.district or idea.stage is not IdeaStage.WINNER:
            continue
        update = IdeaUpdate(stage=entry.stage or IdeaStage.WINNER.value, district=entry.district)
        ideas.update_idea(session, blobs, builder, slug, update, actor_id=None)
        changed.append(slug)
    repo.append_audit(
        session, DETAILS_ACTION, actor_id=None, target_type="idea", details={"ideas": changed}
    )
    return changed
