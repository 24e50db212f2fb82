"""``arservice campaign ...``: campaigns from the command line (being written)."""

from __future__ import annotations

import click


@click.group()
def campaign() -> None:
    """Campaigns: QR codes and posters for a set of ideas."""
