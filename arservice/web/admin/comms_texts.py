"""The words of the communications pages (campaigns, codes, the city logo) and of the import
page, merged into :data:`arservice.web.admin.texts.TEXTS` at its end.

A module of their own so that the shared ``texts.py`` only grows by the few lines that merge
these; the keys are the same kind (``t("campaigns_title")`` in templates, the keys of
:data:`COMMS_SCRIPT_TEXTS` in the scripts).
"""

from __future__ import annotations

from collections.abc import Mapping

from arservice.i18n import N_

COMMS_TEXTS: Mapping[str, str] = {
    # the menu and the home page
    "menu_codes": N_("Codes"),
    "menu_logo": N_("City logo"),
    "menu_import": N_("Import"),
    # campaigns
    "campaigns_title": N_("Campaigns"),
    "campaigns_none": N_("No campaigns yet."),
    "col_campaign": N_("Campaign"),
    "col_languages": N_("Poster languages"),
    "col_size": N_("Poster size"),
    "col_code": N_("Code"),
    "col_short_url": N_("Short address"),
    "col_leads_to": N_("Leads to"),
    "col_label": N_("Label"),
    "col_lang": N_("Language"),
    "col_scans": N_("Scans by people"),
    "col_bots": N_("By bots"),
    "new_campaign": N_("New campaign"),
    "campaign_name": N_("Name"),
    "campaign_name_hint": N_("Printed at the top of every poster; in at least one language."),
    "poster_languages": N_("Poster languages, in print order"),
    "poster_language_n": N_("Language {n}"),
    "language_none": N_("(none)"),
    "poster_size": N_("Poster size"),
    "size_a4": N_("A4: a notice board (the code scans from about 0.8 m)"),
    "size_a3": N_("A3: a sign at the site (about 1.1 m)"),
    "pick_ideas": N_("Ideas"),
    "pick_ideas_hint": N_(
        "Published ideas only; each gets a code of its own. The filters only narrow the list."
    ),
    "pick_search": N_("Search the ideas"),
    "in_campaign": N_("In campaign"),
    "pick_idea": N_("Choose {title}"),
    "no_published": N_("No published ideas: a planner publishes them first."),
    "create_campaign": N_("Create the campaign"),
    "campaign_title": N_("Campaign: {name}"),
    "campaign_settings": N_("Name, languages and size"),
    "campaign_ideas": N_("Ideas and their codes"),
    "campaign_no_ideas": N_("This campaign has no ideas left."),
    "remove": N_("Remove"),
    "remove_confirm": N_(
        "Take “{title}” out of the campaign? Its code keeps working where it is printed."
    ),
    "removed_ok": N_("Taken out of the campaign."),
    "add_ideas": N_("Add ideas"),
    "add_selected": N_("Add the chosen ideas"),
    "nothing_chosen": N_("Choose at least one idea first."),
    "download_zip": N_("Download the codes and posters (zip)"),
    "download_zip_hint": N_(
        "Every code (SVG, PDF, PNG) and poster (PDF) with an index; it takes about a second "
        "for every ten ideas."
    ),
    "scans_title": N_("Scans"),
    "period_from": N_("From"),
    "period_to": N_("To"),
    "period_show": N_("Show"),
    "chart_alt": N_(
        "Scans per day from {start} to {end}: {people} by people (iOS {ios}, Android {android}, "
        "other {other}) and {bot} by bots."
    ),
    "download_csv": N_("Download the scans by day (CSV)"),
    "scans_by_code": N_("Scans by code in this period"),
    "state_on": N_("On"),
    "state_off": N_("Off"),
    # codes
    "codes_title": N_("Codes"),
    "codes_none": N_("No codes yet."),
    "code_title": N_("Code {code}"),
    "new_code": N_("A code of its own"),
    "new_code_hint": N_(
        "A code outside any campaign, for a published idea or for any web address."
    ),
    "create_code": N_("Create the code"),
    "target": N_("Where the code leads"),
    "target_idea": N_("An idea"),
    "target_url": N_("A web address"),
    "target_url_hint": N_("http:// or https://, such as a news item or photos of the built idea."),
    "lang_phone": N_("The phone's own language"),
    "lang_hint": N_("The idea's page opens in this language, whatever the phone's language."),
    "label_hint": N_("A note for staff, such as where it is posted."),
    "code_settings": N_("Target, language and label"),
    "code_saved": N_("Saved: the next scan goes to the new place."),
    "code_state": N_("State"),
    "code_on": N_("On: a scan leads to the target."),
    "code_off": N_("Off: a scan shows a friendly page instead."),
    "code_deactivate_confirm": N_(
        "Switch code {code} off? Wherever it is printed, a scan then shows a friendly page "
        "instead of the target. You can switch it on again."
    ),
    "code_deactivated": N_("The code is off."),
    "code_reactivated": N_("The code is on again."),
    "switch_off": N_("Switch off"),
    "switch_on": N_("Switch on"),
    "code_files": N_("The code as a file"),
    "in_campaign_link": N_("Part of the campaign {name}"),
    "no_campaign": N_("In no campaign"),
    # the logo
    "logo_title": N_("City logo"),
    "logo_hint": N_(
        "Printed on posters and, when asked for, in the middle of codes. PNG or JPEG (not SVG), "
        "at most {size} MB, 16 to 4,096 pixels on each side; a transparent PNG is best."
    ),
    "logo_current": N_("The logo in use"),
    "logo_alt": N_("The city logo as uploaded"),
    "logo_none": N_("No logo is uploaded: posters and codes are made without one."),
    "logo_file": N_("Logo file"),
    "logo_upload": N_("Upload"),
    "logo_uploaded": N_("The logo is uploaded."),
    "logo_remove": N_("Remove the logo"),
    "logo_remove_confirm": N_("Remove the city logo? Posters and codes are made without it."),
    "logo_removed": N_("The logo is removed."),
    "logo_figures": N_("{type}, {size} KB, uploaded {when}"),
    # importing
    "import_title": N_("Import winning projects"),
    "import_hint": N_(
        "Projects become draft ideas; nothing is published. Run a dry run first: it reads "
        "everything and shows what would change, writing nothing."
    ),
    "decidim_title": N_("From Decidim"),
    "decidim_api": N_("The Decidim site or its API address"),
    "decidim_api_hint": N_("Such as https://omastadi.hel.fi"),
    "decidim_component": N_("Budgets component id"),
    "decidim_component_hint": N_(
        "The number after /f/ in the address of the voting page: …/f/42/budgets/7/projects"
    ),
    "decidim_budget": N_("Budget id (optional)"),
    "decidim_budget_hint": N_("The number after /budgets/; leave empty for every budget."),
    "decidim_accountability": N_("Accountability component id (optional)"),
    "decidim_accountability_hint": N_("Its results give the building stage and the location."),
    "winners_only": N_("Only projects that won the vote"),
    "dry_run": N_("Dry run: show what would change"),
    "do_import": N_("Import"),
    "import_after_dry_run": N_("Run the dry run first; then import what it showed."),
    "csv_title": N_("From a CSV file"),
    "csv_file": N_("CSV file"),
    "csv_hint": N_(
        "Columns project_id, title_fi, title_sv, title_en and more (see the import guide); "
        "comma or semicolon separated, UTF-8."
    ),
    "rules_title": N_("Mapping rules"),
    "rules_hint": N_(
        "Which template a project starts with, by its category, scope or keywords (YAML). The "
        "first matching rule wins."
    ),
    "rules_default": N_("These are the rules shipped with the service; none are saved yet."),
    "rules_source": N_("The rules (YAML)"),
    "rules_save": N_("Check and save the rules"),
    "rules_saved": N_("The rules are saved."),
    "report_title": N_("Report"),
    "report_dry": N_("Dry run: nothing was written. Import to make these changes."),
    "report_done": N_("Imported."),
    "report_counts": N_(
        "Created {created}, updated {updated}, unchanged {unchanged}, skipped {skipped}."
    ),
    "result_created": N_("created"),
    "result_updated": N_("updated"),
    "result_unchanged": N_("unchanged"),
    "result_skipped": N_("skipped"),
    "col_project": N_("Project"),
    "col_result": N_("Result"),
    "col_reason": N_("Why"),
    "col_links": N_("Link back to the idea"),
    "unmapped_title": N_("Ideas without a model yet"),
    "unmapped_hint": N_("No rule matched these: a planner chooses their template."),
    "copy": N_("Copy"),
    "copied": N_("Copied."),
    "iframe_for": N_("Iframe snippet for {title}"),
    "link_for": N_("Plain link for {title}"),
    "working": N_("Working…"),
}

COMMS_SCRIPT_TEXTS: tuple[str, ...] = (
    "remove_confirm",
    "removed_ok",
    "nothing_chosen",
    "code_saved",
    "code_deactivate_confirm",
    "code_deactivated",
    "code_reactivated",
    "code_on",
    "code_off",
    "switch_off",
    "switch_on",
    "state_on",
    "state_off",
    "logo_uploaded",
    "logo_remove_confirm",
    "logo_removed",
    "rules_saved",
    "report_dry",
    "report_done",
    "report_counts",
    "result_created",
    "result_updated",
    "result_unchanged",
    "result_skipped",
    "copy",
    "copied",
    "iframe_for",
    "link_for",
    "working",
    "import_after_dry_run",
)
"""The keys the campaign, code, logo and import scripts need."""
