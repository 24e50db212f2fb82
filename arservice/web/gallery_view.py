"""The gallery's filter form as the page shows it, in one language: each filter's options with
their names, which one is chosen, and the line that says what is shown.

The choices come from :func:`arservice.services.gallery.published_gallery` (only what published
ideas have); here they get their names in the page's language and an order a reader expects
(alphabetical, campaigns newest first). A key asked for that names nothing (an old link, a typo)
is kept as an option of its own, named by the key, so the form and the line above the cards
still say truthfully what was asked for.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from arservice.errors import NotFoundError
from arservice.services.gallery import Choice, Gallery, GalleryFilter
from arservice.services.templates import template_info
from arservice.web.page_data import Text, pick


@dataclass(frozen=True)
class Option:
    key: str
    label: Text
    selected: bool


@dataclass(frozen=True)
class FilterField:
    """One ``<select>`` of the form: its query parameter, the keys of its label and of its
    "all" option in :data:`arservice.web.page_texts.TEXTS`, and its options."""

    name: str
    label_key: str
    all_key: str
    options: Sequence[Option]

    @property
    def current(self) -> Option | None:
        return next((option for option in self.options if option.selected), None)


def filter_fields(
    session: Session, gallery: Gallery, chosen: GalleryFilter, lang: str
) -> list[FilterField]:
    """The filters worth offering, in the form's order: campaigns (when any has a published
    idea), districts and kinds (when there are two to choose from); one asked for is always
    shown."""
    campaigns = _options(gallery.campaigns, chosen.campaign, lang, sort=False)
    districts = _options(gallery.districts, chosen.district, lang, sort=True)
    kinds = _options(_kind_choices(session, gallery.kinds), chosen.kind, lang, sort=True)
    fields = [
        (FilterField("campaign", "filter_campaign", "filter_all_campaigns", campaigns), 1),
        (FilterField("district", "filter_district", "filter_all_districts", districts), 2),
        (FilterField("kind", "filter_kind", "filter_all", kinds), 2),
    ]
    return [field for field, enough in fields if len(field.options) >= enough or field.current]


NORDIC_ORDER = str.maketrans(
    {"å": "\uffe0", "ä": "\uffe1", "æ": "\uffe1", "ö": "\uffe2", "ø": "\uffe2"}
)
"""Finnish and Swedish end the alphabet with å, ä, ö, after z (code points put ä before å)."""


def sort_key(name: str) -> str:
    """``Östra`` after ``Västra``, as a Finnish or Swedish reader looks for it."""
    return name.casefold().translate(NORDIC_ORDER)


def _options(choices: Sequence[Choice], chosen: str, lang: str, *, sort: bool) -> list[Option]:
    options = [
        Option(choice.key, pick(choice.names, lang) or Text(choice.key, lang), choice.key == chosen)
        for choice in choices
    ]
    if sort:
        options.sort(key=lambda option: sort_key(option.label.text))
    if chosen and not any(option.selected for option in options):
        options.append(Option(chosen, Text(chosen, lang), True))
    return options


def _kind_choices(session: Session, template_ids: Sequence[str]) -> list[Choice]:
    """The kinds of idea (templates) named by their titles."""
    choices = []
    for template_id in template_ids:
        titles: Mapping[str, str] = {}
        with contextlib.suppress(NotFoundError):
            titles = template_info(session, template_id).template.schema.title or {}
        choices.append(Choice(template_id, dict(titles)))
    return choices
