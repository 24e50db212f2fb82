"""Every word the public pages show, as gettext message ids (English) marked with ``N_``.

The templates never hold text of their own: they ask for a key of :data:`TEXTS` through
``t("key", **values)``, which translates it for the page's language. So ``make messages``
extracts these with the rest of the code, and ``tests/test_i18n.py`` fails while one of them
lacks a Finnish or Swedish translation. An unknown key fails the page (and its test) at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from arservice.i18n import N_, translate

TEXTS: Mapping[str, str] = {
    # the frame of every page
    "site_name": N_("Winning ideas in 3D"),
    "skip": N_("Skip to the content"),
    "languages": N_("Language"),
    "all_ideas": N_("All ideas"),
    "footer": N_(
        "Winning ideas of participatory budgeting as real-size 3D models. This site sets no "
        "cookies and loads nothing from other sites."
    ),
    # the idea page
    "status_selected": N_("Winning idea"),
    "status_proposal": N_("Idea"),
    "stage_building": N_("Being built"),
    "stage_built": N_("Built"),
    "district": N_("District"),
    "budget": N_("Budget"),
    "status": N_("Status"),
    "project_link": N_("The idea on the participatory budgeting site"),
    "about": N_("About the idea"),
    "view_in_ar": N_("View in your space"),
    "exit_ar": N_("Exit AR"),
    "loading": N_("Loading the 3D model…"),
    "load_failed": N_(
        "The 3D model could not be loaded. Check the connection and reload the page."
    ),
    "no_webgl": N_(
        "This browser cannot show 3D models. The picture above shows what the idea looks like."
    ),
    "no_script": N_("The 3D model needs JavaScript. The picture shows what the idea looks like."),
    "no_ar": N_(
        "This phone or browser cannot place the model on the ground in AR. You can still turn "
        "and zoom the model here: drag it, or use the arrow keys."
    ),
    "ar_failed": N_(
        "AR could not be started on this phone. You can still turn and zoom the model here."
    ),
    "ar_tracking": N_("Move the phone slowly and point it at the ground."),
    "ar_hint": N_(
        "Android phones with Google Play Services for AR and iPhones can place the model on "
        "the ground at its real size."
    ),
    "interaction_prompt": N_("Drag, or use the arrow keys, to turn the model"),
    "announcements": N_("Announcements"),
    "fallback_alt": N_("3D model of the idea: {title}"),
    # where the camera looks from (model-viewer's announcements)
    "view_front": N_("Seen from the front"),
    "view_right": N_("Seen from the right"),
    "view_back": N_("Seen from the back"),
    "view_left": N_("Seen from the left"),
    "view_upper_front": N_("Seen from above, in front"),
    "view_upper_right": N_("Seen from above, on the right"),
    "view_upper_back": N_("Seen from above, behind"),
    "view_upper_left": N_("Seen from above, on the left"),
    "view_lower_front": N_("Seen from below, in front"),
    "view_lower_right": N_("Seen from below, on the right"),
    "view_lower_back": N_("Seen from below, behind"),
    "view_lower_left": N_("Seen from below, on the left"),
    # the on-site card
    "onsite_title": N_("On site"),
    "onsite_place": N_("Go to the place where it will be built."),
    "onsite_map": N_("Open the place on a map ({latitude}, {longitude})"),
    "onsite_tap": N_(
        "Tap “View in your space” and point the phone at the ground: the model appears at its "
        "real size, its front towards you, as it will be built."
    ),
    "onsite_no_ar": N_(
        "No AR on your phone? The 3D view on this page works on any phone: turn the model "
        "with your finger."
    ),
    # where to stand, by the side the model's front faces (whole sentences: in Finnish and
    # Swedish the compass words change form with the sentence)
    "stand_north": N_(
        "Stand on its north side and face south ({degrees}°), towards where it will stand."
    ),
    "stand_north_east": N_(
        "Stand on its north-east side and face south-west ({degrees}°), towards where it will "
        "stand."
    ),
    "stand_east": N_(
        "Stand on its east side and face west ({degrees}°), towards where it will stand."
    ),
    "stand_south_east": N_(
        "Stand on its south-east side and face north-west ({degrees}°), towards where it will "
        "stand."
    ),
    "stand_south": N_(
        "Stand on its south side and face north ({degrees}°), towards where it will stand."
    ),
    "stand_south_west": N_(
        "Stand on its south-west side and face north-east ({degrees}°), towards where it will "
        "stand."
    ),
    "stand_west": N_(
        "Stand on its west side and face east ({degrees}°), towards where it will stand."
    ),
    "stand_north_west": N_(
        "Stand on its north-west side and face south-east ({degrees}°), towards where it will "
        "stand."
    ),
    # the gallery
    "gallery_title": N_("Winning ideas"),
    "gallery_intro": N_(
        "Ideas that residents proposed and voted for. Open one to see it in 3D, and on site "
        "in AR at its real size."
    ),
    "filter_title": N_("Filter the ideas"),
    "filter_kind": N_("Kind of idea"),
    "filter_all": N_("All kinds"),
    "filter_district": N_("District"),
    "filter_all_districts": N_("All districts"),
    "filter_campaign": N_("Campaign"),
    "filter_all_campaigns": N_("All campaigns"),
    "filter_apply": N_("Show"),
    "filter_shown": N_("Ideas shown: {shown} of {total}."),
    "filter_clear": N_("Show all ideas"),
    "filter_invalid": N_(
        "This address asks for a filter that cannot be used. Choose again below, or show all ideas."
    ),
    "gallery_empty": N_("No ideas to show yet."),
    "gallery_no_match": N_("No published idea matches this filter."),
    # the embed page
    "open_full": N_("Open the full page"),
    # not found
    "not_found_title": N_("Idea not found"),
    "not_found_text": N_(
        "There is no published idea at this address. It may have been moved or taken down."
    ),
}


class Translator:
    """The page's words in one language: ``t("view_in_ar")`` for an attribute or a title,
    ``t.html("view_in_ar")`` for text in the page, which is wrapped in ``<span lang="en">``
    while the catalog has no translation (so a screen reader reads it as English)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **values: Any) -> str:
        return translate(self.lang, TEXTS[key], **values)

    def html(self, key: str, **values: Any) -> Markup:
        text = self(key, **values)
        if self.lang != "en" and text == translate("en", TEXTS[key], **values):
            return Markup('<span lang="en">{}</span>').format(text)
        return Markup("{}").format(text)
