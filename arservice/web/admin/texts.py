"""Every word of the staff pages and their scripts, as gettext message ids marked with ``N_``.

Templates ask for a key, ``t("save")``; scripts get the keys of :data:`SCRIPT_TEXTS`, already
translated, in the page (``<script type="application/json" id="admin-texts">``), so the
JavaScript holds no words and the catalogs are the only place a translator works. An unknown key
fails the page (and its test) at once.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from arservice.i18n import N_, translate

TEXTS: Mapping[str, str] = {
    # the frame
    "site_name": N_("Staff tools: winning ideas in 3D"),
    "skip": N_("Skip to the content"),
    "languages": N_("Language"),
    "menu": N_("Staff menu"),
    "menu_home": N_("Home"),
    "menu_ideas": N_("Ideas"),
    "menu_templates": N_("Templates"),
    "menu_campaigns": N_("Campaigns"),
    "menu_users": N_("Users"),
    "menu_audit": N_("Audit log"),
    "logged_in_as": N_("Logged in as {name} ({role})"),
    "logout": N_("Log out"),
    "role_admin": N_("administrator"),
    "role_planner": N_("planner"),
    "role_comms": N_("communications"),
    # logging in
    "login_title": N_("Log in to the staff tools"),
    "email": N_("Email"),
    "password": N_("Password"),
    "login_button": N_("Log in"),
    "login_missing": N_("Enter your email and your password."),
    "login_again": N_("Your session has ended, or the page needs a login. Log in to continue."),
    "logged_out": N_("You have logged out."),
    # home, refusal, not found
    "home_title": N_("Staff tools"),
    "home_ideas": N_(
        "Create an idea from a template, shape it with a live 3D preview, place it on its site "
        "and publish it."
    ),
    "home_templates": N_("See the templates and try their parameters."),
    "home_users": N_("Manage staff accounts and read the audit log."),
    "home_campaigns": N_(
        "Build campaigns, download their QR codes and posters, and see how often each sign is "
        "scanned."
    ),
    "home_codes": N_("Retarget or switch off a printed code, and see its scans by day."),
    "home_import": N_("Import winning projects from Decidim or a CSV file as draft ideas."),
    "home_logo": N_("Upload the city logo printed on posters and QR codes."),
    "refused_title": N_("No access to this page"),
    "refused_text": N_(
        "This page needs the role {roles}; you are logged in as {role}. Ask an administrator "
        "if your work needs it."
    ),
    "not_found_title": N_("Not found"),
    "not_found_text": N_("There is nothing at this address: it may have been renamed or removed."),
    # ideas list
    "ideas_title": N_("Ideas"),
    "new_idea": N_("New idea"),
    "search": N_("Search"),
    "search_hint": N_("Words of the title in any language, or the address (slug)"),
    "filter_status": N_("Status"),
    "filter_template": N_("Template"),
    "filter_stage": N_("Stage"),
    "filter_district": N_("District"),
    "filter_any": N_("All"),
    "filter_apply": N_("Filter"),
    "status_draft": N_("Draft"),
    "status_published": N_("Published"),
    "status_archived": N_("Archived"),
    "stage_winner": N_("Winning idea"),
    "stage_building": N_("Being built"),
    "stage_built": N_("Built"),
    "col_title": N_("Title"),
    "col_updated": N_("Updated"),
    "ideas_none": N_("No ideas match these filters."),
    "ideas_count": N_("Ideas shown: {count}"),
    "model_uploaded": N_("Uploaded model"),
    "model_none": N_("No model yet"),
    # a new idea
    "new_title": N_("New idea"),
    "new_hint": N_(
        "Give the title in at least one language and pick a template; everything else can be "
        "set on the next page."
    ),
    "field_lang": N_("{field} ({language})"),
    "create": N_("Create the idea"),
    # the editor
    "edit_title": N_("Edit: {title}"),
    "texts": N_("Texts"),
    "texts_hint": N_("Each language side by side. A missing translation is marked."),
    "field_title": N_("Title"),
    "field_summary": N_("Summary"),
    "field_description": N_("Description"),
    "missing": N_("Missing"),
    "missing_count": N_("Missing translations: {count}"),
    "pb": N_("Participatory budgeting source"),
    "pb_platform": N_("Platform"),
    "pb_url": N_("Address of the project page"),
    "pb_project_id": N_("Project id"),
    "pb_budget": N_("Budget (euros)"),
    "pb_selected": N_("Won the vote"),
    "site": N_("Site"),
    "latitude": N_("Latitude"),
    "longitude": N_("Longitude"),
    "site_hint": N_(
        "Decimal degrees. Pasting a pair such as 60.1699, 24.9384 into either field fills both."
    ),
    "heading": N_("Heading of the model's front, degrees clockwise from north"),
    "compass": N_("Compass: the direction the model's front faces"),
    "compass_hint": N_(
        "Arrow keys turn it by 1 degree, Page Up and Page Down by 15 degrees; or click the dial."
    ),
    "save": N_("Save"),
    "saving": N_("Saving…"),
    "saved": N_("Saved."),
    "not_saved": N_("Not saved: see the marked fields."),
    "publish": N_("Publish"),
    "archive": N_("Archive"),
    "publish_confirm": N_(
        "Publish this idea? Its model is built and the idea becomes visible to everyone at its "
        "public address."
    ),
    "archive_confirm": N_("Archive this idea? It is taken out of public view at once."),
    "confirm_yes": N_("Yes, go ahead"),
    "cancel": N_("Cancel"),
    "published_ok": N_("Published."),
    "archived_ok": N_("Archived."),
    "public_page": N_("Open the public page"),
    "model": N_("Model"),
    "uploaded_hint": N_("This idea has an uploaded model; its parameters cannot be changed here."),
    # parameters and the preview
    "params": N_("Parameters"),
    "params_hint": N_("Every change rebuilds the preview."),
    "group_other": N_("Other settings"),
    "preview": N_("Preview"),
    "preview_alt": N_("Preview of the model with the parameters set above"),
    "preview_building": N_("Building the preview…"),
    "preview_ready": N_("The preview shows the current values."),
    "preview_failed": N_("The preview could not be built with these values."),
    "dimensions": N_("Size and budget"),
    "footprint": N_("Footprint"),
    "height": N_("Height"),
    "triangles": N_("Triangles"),
    "materials": N_("Materials"),
    "glb_size": N_("File size"),
    "budget_near": N_("near the limit ({limit})"),
    "budget_over": N_("over the limit ({limit})"),
    "reset_defaults": N_("Back to the defaults"),
    # templates
    "templates_title": N_("Templates"),
    "col_id": N_("Id"),
    "col_versions": N_("Versions"),
    "builtin": N_("built in"),
    "try_params": N_("Try the parameters"),
    "try_title": N_("Try: {title}"),
    # users and the audit log
    "users_title": N_("Users"),
    "col_email": N_("Email"),
    "col_name": N_("Name"),
    "col_role": N_("Role"),
    "col_state": N_("State"),
    "col_actions": N_("Actions"),
    "active": N_("Active"),
    "deactivated": N_("Deactivated"),
    "create_user": N_("Create a user"),
    "new_password": N_("Password (at least 12 characters)"),
    "set_role": N_("Change the role"),
    "role_for": N_("Role of {email}"),
    "deactivate": N_("Deactivate"),
    "reactivate": N_("Reactivate"),
    "deactivate_confirm": N_(
        "Deactivate {email}? Their sessions and API tokens stop working at once."
    ),
    "role_saved": N_("The role was changed."),
    "state_saved": N_("Saved."),
    "audit_title": N_("Audit log"),
    "col_at": N_("When"),
    "col_actor": N_("Who"),
    "col_action": N_("Action"),
    "col_target": N_("Target"),
    "col_details": N_("Changes"),
    "filter_action": N_("Action, such as idea.publish"),
    "filter_target_type": N_("Target type, such as idea"),
    "filter_target_id": N_("Target id or slug"),
    "filter_actor": N_("Who"),
    "audit_none": N_("No entries match these filters."),
    "newer": N_("Newer entries"),
    "older": N_("Older entries"),
    "actor_system": N_("the command line"),
    # what the scripts say
    "error_network": N_("The server could not be reached. Check the connection and try again."),
    "error_fields": N_("Some values need fixing: see the messages beside the fields."),
}

SCRIPT_TEXTS: tuple[str, ...] = (
    "missing",
    "missing_count",
    "saving",
    "saved",
    "not_saved",
    "published_ok",
    "archived_ok",
    "preview_building",
    "preview_ready",
    "preview_failed",
    "budget_near",
    "budget_over",
    "group_other",
    "role_saved",
    "state_saved",
    "deactivate_confirm",
    "active",
    "deactivated",
    "deactivate",
    "reactivate",
    "error_network",
    "error_fields",
)
"""The keys the scripts need, sent in every staff page (placeholders filled by the script)."""


class AdminTranslator:
    """The staff pages' words in one language: ``t("save")`` for attributes and scripts,
    ``t.html("save")`` for text in the page, wrapped in ``<span lang="en">`` while the catalog
    has no translation (so a screen reader reads it as English)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **values: Any) -> str:
        return translate(self.lang, TEXTS[key], **values)

    def html(self, key: str, **values: Any) -> Markup:
        text = self(key, **values)
        if self.lang != "en" and text == translate("en", TEXTS[key], **values):
            return Markup('<span lang="en">{}</span>').format(text)
        return Markup("{}").format(text)

    def pattern(self, key: str) -> str:
        """The translation with its ``{placeholders}`` left in, for a script to fill."""
        names = {name for _, name, _, _ in string.Formatter().parse(TEXTS[key]) if name}
        return self(key, **{name: "{" + name + "}" for name in names})

    def raw(self, msgid: str, **values: Any) -> str:
        """A message id of another module (an API error), in this language."""
        return translate(self.lang, msgid, **values)


# --- planners' templates, uploaded models, unpublishing, passwords and tokens (appended) -------
# Appended rather than merged into TEXTS above so that two engineers can add words side by side.
_PLANNER_TEXTS: Mapping[str, str] = {
    # the idea editor
    "unpublish": N_("Unpublish"),
    "unpublish_confirm": N_(
        "Take this idea back to a draft? It leaves the public pages at once (its address then "
        "shows “not found”); you can publish it again later."
    ),
    "unpublished_ok": N_("Back to a draft: the idea is no longer public."),
    "stage_hint": N_("How far the idea has got; residents see it as the idea's status."),
    "district_hint": N_("The district's name in each language; it is a filter of the gallery."),
    "upload_model": N_("Upload a whole model (GLB)"),
    "upload_model_hint": N_(
        "A glTF binary (.glb) in metres, at most {size} MB. It replaces the template: the idea "
        "then has no parameters."
    ),
    "upload_model_file": N_("GLB file"),
    "upload_check": N_("Upload and check"),
    "upload_checking": N_("Checking the file…"),
    "upload_ok": N_("Accepted: the checks passed."),
    "upload_refused": N_("Not accepted: fix what is said below and upload again."),
    "check_passed": N_("passed"),
    "check_failed": N_("failed"),
    "check_file": N_("A readable glTF 2.0 binary (GLB): no compression, no external files"),
    "check_size": N_("File size within the limit"),
    "check_budget": N_("Triangles, materials and textures within the model contract"),
    "check_scale": N_("A plausible size in metres"),
    "choose_file": N_("Choose a file first."),
    "model_checks": N_("Checks"),
    # a template's page
    "template_title": N_("Template: {title}"),
    "versions_title": N_("Versions"),
    "col_version": N_("Version"),
    "col_author": N_("Uploaded by"),
    "col_time": N_("Uploaded"),
    "col_files": N_("Component files"),
    "col_ideas": N_("Ideas"),
    "author_builtin": N_("shipped with the service"),
    "newest": N_("newest"),
    "view_source": N_("Show the source of version {version}"),
    "source_title": N_("Source of version {version}"),
    "source_label": N_("The source of version {version}, with line numbers"),
    "ideas_using": N_("Ideas using this template"),
    "ideas_using_none": N_("No idea uses this template yet."),
    "move_to": N_("Move to version {version}"),
    "move_confirm": N_(
        "Move “{title}” to version {version}? Values of parameters the new version still has "
        "are kept, the others take its defaults; a published idea is rebuilt at once."
    ),
    "moved_ok": N_("Moved to version {version}."),
    "upload_version": N_("Upload a new version"),
    "upload_template": N_("Upload a template"),
    "preview_defaults": N_("Preview at the defaults, and the parameters to try"),
    # uploading a template
    "upload_title": N_("Upload a template or a new version"),
    "upload_hint": N_(
        "A template in YAML or JSON (format arservice/template@1). A new id makes a new "
        "template; a new version of one needs the next version number. Every problem is shown "
        "at its line."
    ),
    "source_file": N_("Template file (YAML or JSON)"),
    "source_text": N_("Or paste or edit the text here"),
    "component_files": N_("Component files (.glb), named as the template's parts name them"),
    "component_hint": N_(
        "Files of the previous version that this one still uses may be left out: they are "
        "carried over."
    ),
    "uploading": N_("Checking and storing…"),
    "upload_errors": N_("Not stored. Fix these problems and upload again:"),
    "error_line": N_("line {line}"),
    "no_line": N_("the whole file"),
    "stored_ok": N_("Stored: {id}, version {version}."),
    "open_template": N_("Open the template's page"),
    "carried_over": N_("Carried over from the previous version: {files}"),
    "components_ok": N_("Component files accepted: {files}"),
    "source_marked": N_("The text, with the problems at their lines"),
    # users: passwords and API tokens
    "reset_password": N_("Set a new password"),
    "reset_password_for": N_("A new password for {email}"),
    "new_password_label": N_("New password"),
    "reset_password_hint": N_(
        "At least {min} characters. Their sessions end at once; tell them the new password in "
        "person or by phone."
    ),
    "reset_password_save": N_("Set the password"),
    "password_saved": N_("The new password of {email} is set."),
    "tokens_title": N_("API tokens"),
    "tokens_hint": N_(
        "Scripts use these to act as their owner. Revoke a token that has leaked or is no longer "
        "needed: it stops working at once."
    ),
    "tokens_none": N_("No API tokens."),
    "col_owner": N_("Owner"),
    "col_prefix": N_("Starts with"),
    "col_created": N_("Created"),
    "col_last_used": N_("Last used"),
    "never": N_("never"),
    "revoke": N_("Revoke"),
    "revoked_on": N_("Revoked {when}"),
    "revoke_confirm": N_(
        "Revoke the token “{name}” of {email}? Scripts using it stop working at once."
    ),
    "token_revoked": N_("The token was revoked."),
    "revoked": N_("Revoked"),
}
TEXTS = {**TEXTS, **_PLANNER_TEXTS}
SCRIPT_TEXTS = (
    *SCRIPT_TEXTS,
    "unpublished_ok",
    "upload_checking",
    "upload_ok",
    "upload_refused",
    "check_passed",
    "check_failed",
    "check_file",
    "check_size",
    "check_budget",
    "check_scale",
    "choose_file",
    "move_confirm",
    "moved_ok",
    "uploading",
    "upload_errors",
    "error_line",
    "no_line",
    "stored_ok",
    "open_template",
    "carried_over",
    "components_ok",
    "reset_password_for",
    "password_saved",
    "revoke_confirm",
    "token_revoked",
    "revoked",
)
_PLANNER_TEXTS_MORE: Mapping[str, str] = {
    "upload_hint_size": N_("UTF-8 text, at most {size} KB."),
    "component_size": N_("Each file at most {size} MB."),
    "preview_alt_defaults": N_("Preview of the stored template at its default values"),
    "preview_alt_uploaded": N_("The idea's uploaded model"),
    "upload_model_figures": N_("The model as it was accepted"),
}
TEXTS = {**TEXTS, **_PLANNER_TEXTS_MORE}
TEXTS = {**TEXTS, "stage_district": N_("Stage and district")}

# --- campaigns, codes, the city logo, importing (their own module; appended) --------------------
from arservice.web.admin.comms_texts import COMMS_SCRIPT_TEXTS, COMMS_TEXTS  # noqa: E402

TEXTS = {**TEXTS, **COMMS_TEXTS}
SCRIPT_TEXTS = (*SCRIPT_TEXTS, *COMMS_SCRIPT_TEXTS)
