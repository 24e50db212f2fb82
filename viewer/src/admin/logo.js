/* The city logo (admin): upload (PUT /api/v1/site/logo, the file as the multipart field "file",
 * checked by the API, whose message is shown beside the field) and remove after a confirmation
 * (DELETE). Either reloads the page, which shows the logo now in use. */
import { answer, api, clearErrors, confirmDialog, showErrors, text, withLang } from "./api.js";

const form = document.getElementById("logo-form");
const summary = document.getElementById("logo-errors");
const input = document.getElementById("logo-file");
const status = document.getElementById("logo-status");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  if (!input.files.length) {
    summary.textContent = text("choose_file");
    return;
  }
  const body = new FormData();
  body.append("file", input.files[0]);
  status.textContent = text("working");
  try {
    const response = await fetch(withLang("/api/v1/site/logo"), {
      method: "PUT",
      body,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]')?.content || "",
      },
    });
    await answer(response);
    location.assign(location.pathname + location.search);
  } catch (error) {
    status.textContent = "";
    showErrors(form, summary, error);
  }
});

const remove = document.getElementById("logo-remove");
if (remove) {
  remove.addEventListener("click", async () => {
    if (!(await confirmDialog(text("logo_remove_confirm")))) return;
    try {
      await api("DELETE", "/api/v1/site/logo");
      location.assign(location.pathname + location.search);
    } catch (error) {
      showErrors(remove.parentElement, document.getElementById("logo-remove-errors"), error);
    }
  });
}
