/* Users (admin): create a user, change a role, deactivate or reactivate, through
 * POST /api/v1/users and PATCH /api/v1/users/{id}; the API refuses what is not allowed (a taken
 * email, a short password, the last admin) and its message is shown. */
import { api, clearErrors, confirmDialog, showErrors, text, withLang } from "./api.js";

const status = document.getElementById("users-status");
const problem = document.getElementById("users-error");

async function change(row, body, done) {
  status.textContent = "";
  problem.textContent = "";
  try {
    const user = await api("PATCH", `/api/v1/users/${row.dataset.user}`, body);
    row.dataset.active = String(user.active);
    row.querySelector("[data-state]").textContent = text(user.active ? "active" : "deactivated");
    const toggle = row.querySelector("[data-toggle]");
    toggle.textContent = text(user.active ? "deactivate" : "reactivate");
    toggle.className = user.active ? "danger" : "";
    status.textContent = text(done);
  } catch (error) {
    showErrors(row, problem, error);
  }
}

for (const row of document.querySelectorAll("#users tr[data-user]")) {
  row.querySelector("[data-set-role]").addEventListener("click", () => {
    change(row, { role: row.querySelector("[data-role]").value }, "role_saved");
  });
  row.querySelector("[data-toggle]").addEventListener("click", async () => {
    const active = row.dataset.active === "true";
    if (active && !(await confirmDialog(text("deactivate_confirm", { email: row.dataset.email })))) return;
    change(row, { active: !active }, "state_saved");
  });
}

const form = document.getElementById("new-user");
const summary = document.getElementById("new-user-errors");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  const body = Object.fromEntries(new FormData(form));
  try {
    await api("POST", "/api/v1/users", body);
    location.assign(withLang("/admin/users"));
  } catch (error) {
    showErrors(form, summary, error);
  }
});

// --- a new password, set by the admin -----------------------------------------------------------

const passwordDialog = document.getElementById("password-dialog");
const passwordForm = document.getElementById("password-form");
const passwordInput = document.getElementById("reset-password");
const passwordSummary = document.getElementById("password-errors");
let passwordRow = null;

for (const row of document.querySelectorAll("#users tr[data-user]")) {
  row.querySelector("[data-password]").addEventListener("click", () => {
    passwordRow = row;
    clearErrors(passwordForm, passwordSummary);
    passwordInput.value = "";
    passwordDialog.querySelector("[data-password-title]").textContent = text("reset_password_for", {
      email: row.dataset.email,
    });
    passwordDialog.showModal();
    passwordInput.focus();
  });
}
document.getElementById("password-cancel").addEventListener("click", () => passwordDialog.close());
passwordForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(passwordForm, passwordSummary);
  try {
    await api("PATCH", `/api/v1/users/${passwordRow.dataset.user}`, { password: passwordInput.value });
    passwordInput.value = "";
    passwordDialog.close();
    problem.textContent = "";
    status.textContent = text("password_saved", { email: passwordRow.dataset.email });
    passwordRow.querySelector("[data-password]").focus();
  } catch (error) {
    showErrors(passwordForm, passwordSummary, error);
  }
});

// --- API tokens: revoked after a confirmation (DELETE /api/v1/auth/tokens/{id}) ----------------

const tokenStatus = document.getElementById("tokens-status");
const tokenProblem = document.getElementById("tokens-error");
for (const row of document.querySelectorAll("#tokens tr[data-token]")) {
  const button = row.querySelector("[data-revoke]");
  if (!button) continue;
  button.addEventListener("click", async () => {
    const question = text("revoke_confirm", { name: row.dataset.name, email: row.dataset.email });
    if (!(await confirmDialog(question))) return;
    tokenStatus.textContent = "";
    tokenProblem.textContent = "";
    try {
      await api("DELETE", `/api/v1/auth/tokens/${row.dataset.token}`);
      row.querySelector("[data-token-state]").textContent = text("revoked");
      tokenStatus.textContent = text("token_revoked");
      tokenStatus.setAttribute("tabindex", "-1");
      tokenStatus.focus();
      button.remove();
    } catch (error) {
      showErrors(row, tokenProblem, error);
    }
  });
}
