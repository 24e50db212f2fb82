/* A new idea: the titles and a template -> POST /api/v1/ideas -> the editor of the new draft. */
import { api, showErrors, withLang } from "./api.js";

const form = document.getElementById("new-idea");
const summary = document.getElementById("form-errors");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = {};
  for (const input of form.querySelectorAll("[data-lang]")) {
    if (input.value.trim()) title[input.dataset.lang] = input.value;
  }
  const template = document.getElementById("template-choice").value;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const idea = await api("POST", "/api/v1/ideas", { title, template: { id: template } });
    location.assign(withLang(`/admin/ideas/${encodeURIComponent(idea.slug)}`));
  } catch (error) {
    showErrors(form, summary, error);
    button.disabled = false;
  }
});
