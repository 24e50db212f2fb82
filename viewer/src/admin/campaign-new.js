/* A new campaign (POST /api/v1/campaigns); then its page. The API's messages are shown beside
 * the fields and ideas they name. */
import { api, clearErrors, showErrors, withLang } from "./api.js";
import { picker, settings } from "./campaign-form.js";

const form = document.getElementById("new-campaign");
const summary = document.getElementById("new-campaign-errors");
const chosen = picker(form);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  const body = { ...settings(form), ideas: chosen() };
  try {
    const campaign = await api("POST", "/api/v1/campaigns", body);
    location.assign(withLang(`/admin/campaigns/${encodeURIComponent(campaign.slug)}`));
  } catch (error) {
    showErrors(form, summary, error);
  }
});
