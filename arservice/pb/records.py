"""Plain records of what a participatory-budgeting source says about its projects.

Both sources (Decidim's API, a CSV file) end here, so the import service knows one shape:
texts are per-language maps (``{"fi": …, "sv": …}``, plain text, possibly missing languages),
money is integer euro cents, places are WGS 84 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Stage = Literal["winner", "building", "built"]


@dataclass(frozen=True)
class Location:
    """Where a project will be built, as the source gives it."""

    latitude: float
    longitude: float
    address: str = ""


@dataclass(frozen=True)
class Project:
    """One project of a participatory budget.

    ``key`` tells projects apart on one platform (Decidim: the project id); ``host`` names the
    site it came from (empty for CSV), so two Decidim sites with the same ids do not collide.
    ``stage`` is None when the source says nothing about building (no accountability data).
    """

    platform: str
    key: str
    title: dict[str, str]
    host: str = ""
    description: dict[str, str] = field(default_factory=dict)
    budget_cents: int | None = None
    selected: bool = False
    url: str | None = None
    reference: str | None = None
    category: dict[str, str] = field(default_factory=dict)
    scope: dict[str, str] = field(default_factory=dict)
    location: Location | None = None
    stage: Stage | None = None
    budget_id: str | None = None


@dataclass(frozen=True)
class Budget:
    """One budget of a Decidim Budgets component (Helsinki: one per district)."""

    id: str
    title: dict[str, str]
