/* A template's page: its source with colours and line numbers, and moving an idea to the newest
 * version (PATCH /api/v1/ideas/{slug} with the template's id and version). The idea keeps the
 * values of the parameters the new version still has; the others take the new defaults; the
 * API checks the values against the new version and its message is shown in the idea's row. */
import { api, confirmDialog, showErrors, text } from "./api.js";
import { renderSource } from "./source-view.js";

const source = document.getElementById("source");
renderSource(source, source.textContent);

const uses = document.getElementById("uses");
const status = document.getElementById("move-status");
const problem = document.getElementById("move-error");

async function move(row, button) {
  const id = uses.dataset.template;
  const version = Number(uses.dataset.newest);
  const question = text("move_confirm", { title: row.dataset.title, version });
  if (!(await confirmDialog(question))) return;
  status.textContent = "";
  problem.textContent = "";
  button.disabled = true;
  try {
    const target = await api("GET", `/api/v1/templates/${encodeURIComponent(id)}?version=${version}`);
    const old = JSON.parse(row.dataset.params || "{}");
    const params = Object.fromEntries(Object.entries(old).filter(([name]) => name in target.params));
    const idea = await api("PATCH", `/api/v1/ideas/${encodeURIComponent(row.dataset.idea)}`, {
      template: { id, version, params },
    });
    row.querySelector("[data-idea-version]").textContent = String(idea.template.version);
    row.dataset.params = JSON.stringify(idea.template.params);
    status.textContent = text("moved_ok", { version: idea.template.version });
    button.remove();
  } catch (error) {
    button.disabled = false;
    showErrors(row, problem, error);
  }
}

if (uses) {
  for (const row of uses.querySelectorAll("tr[data-idea]")) {
    const button = row.querySelector("[data-move]");
    if (button) button.addEventListener("click", () => move(row, button));
  }
}
