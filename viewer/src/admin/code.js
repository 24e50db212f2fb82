/* Codes: a new code of its own (POST /api/v1/codes, then its page), and a code's page: where it
 * leads, its language and label (PATCH /api/v1/codes/{code}: the next scan follows), switching it
 * off after a confirmation and on again. The API's messages are shown beside the fields. */
import { api, clearErrors, confirmDialog, showErrors, text, withLang } from "./api.js";

/** The request body of a target form: the chosen target only, the language, the label. */
function target(form) {
  const kind = form.querySelector("[data-kind]:checked")?.value || "idea";
  const body =
    kind === "url"
      ? { target_url: form.querySelector("[data-target-url]").value }
      : { target_idea: form.querySelector("[data-target-idea]").value };
  body.lang = form.querySelector("[data-code-lang]").value || null;
  body.label = form.querySelector("[data-code-label]").value;
  return body;
}

/** Typing in a field chooses its kind of target. */
function followTyping(form) {
  const choose = (value) => {
    form.querySelector(`[data-kind][value="${value}"]`).checked = true;
  };
  form.querySelector("[data-target-url]").addEventListener("input", () => choose("url"));
  form.querySelector("[data-target-idea]").addEventListener("change", () => choose("idea"));
}

const creating = document.getElementById("new-code");
if (creating) {
  const summary = document.getElementById("new-code-errors");
  followTyping(creating);
  creating.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(creating, summary);
    try {
      const made = await api("POST", "/api/v1/codes", target(creating));
      location.assign(withLang(`/admin/codes/${encodeURIComponent(made.code)}`));
    } catch (error) {
      showErrors(creating, summary, error);
    }
  });
}

const root = document.getElementById("code");
if (root) {
  const code = encodeURIComponent(root.dataset.code);
  const status = document.getElementById("code-status");
  const problem = document.getElementById("code-error");
  const form = document.getElementById("code-form");
  const summary = document.getElementById("code-form-errors");
  followTyping(form);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, summary);
    status.textContent = "";
    try {
      const saved = await api("PATCH", `/api/v1/codes/${code}`, target(form));
      document.getElementById("code-target").textContent = saved.target.idea || saved.target.url;
      status.textContent = text("code_saved");
    } catch (error) {
      showErrors(form, summary, error);
    }
  });

  const toggle = document.getElementById("code-toggle");
  toggle.addEventListener("click", async () => {
    const active = root.dataset.active === "true";
    if (active && !(await confirmDialog(text("code_deactivate_confirm", { code: root.dataset.code })))) return;
    status.textContent = "";
    problem.textContent = "";
    try {
      const saved = await api("PATCH", `/api/v1/codes/${code}`, { active: !active });
      root.dataset.active = String(saved.active);
      document.getElementById("code-state").textContent = text(saved.active ? "code_on" : "code_off");
      toggle.textContent = text(saved.active ? "switch_off" : "switch_on");
      toggle.className = saved.active ? "danger" : "";
      status.textContent = text(saved.active ? "code_reactivated" : "code_deactivated");
    } catch (error) {
      showErrors(root, problem, error);
    }
  });
}
