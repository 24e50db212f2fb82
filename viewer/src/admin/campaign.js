/* A campaign's page: add ideas (POST .../ideas), take one out after a confirmation (DELETE
 * .../ideas/{idea}: its code keeps working), change the name, languages and size (PATCH). Each
 * change reloads the page, which shows the campaign as the server now has it. */
import { api, clearErrors, confirmDialog, showErrors, text } from "./api.js";
import { picker, settings } from "./campaign-form.js";

const root = document.getElementById("campaign");
const slug = encodeURIComponent(root.dataset.slug);
const here = location.pathname + location.search;
const status = document.getElementById("campaign-status");
const problem = document.getElementById("campaign-error");

const adding = document.getElementById("add-ideas");
const addSummary = document.getElementById("add-ideas-errors");
const chosen = picker(adding);
adding.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(adding, addSummary);
  const ideas = chosen();
  if (!ideas.length) {
    addSummary.textContent = text("nothing_chosen");
    return;
  }
  try {
    await api("POST", `/api/v1/campaigns/${slug}/ideas`, { ideas });
    location.assign(here);
  } catch (error) {
    showErrors(adding, addSummary, error);
  }
});

for (const row of document.querySelectorAll("#campaign-ideas tr[data-idea]")) {
  row.querySelector("[data-remove]").addEventListener("click", async () => {
    if (!(await confirmDialog(text("remove_confirm", { title: row.dataset.title })))) return;
    status.textContent = "";
    problem.textContent = "";
    try {
      await api("DELETE", `/api/v1/campaigns/${slug}/ideas/${encodeURIComponent(row.dataset.idea)}`);
      location.assign(here);
    } catch (error) {
      showErrors(row, problem, error);
    }
  });
}

const form = document.getElementById("settings");
const summary = document.getElementById("settings-errors");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  try {
    await api("PATCH", `/api/v1/campaigns/${slug}`, settings(form));
    location.assign(here);
  } catch (error) {
    showErrors(form, summary, error);
  }
});
