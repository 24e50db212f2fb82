"""``arservice import ...``: winners from a participatory-budgeting platform (being written)."""

from __future__ import annotations

import click


@click.group(name="import")
def import_group() -> None:
    """Import winning projects as draft ideas."""
