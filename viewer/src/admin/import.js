/* Importing winning projects (planner): a Decidim site or a CSV file, a dry run first, then the
 * import of exactly what the dry run read (the button waits for a successful dry run of the
 * form's current values); the report with every project's result and reason, the ideas without
 * a model, and each idea's plain link and iframe snippet with a copy button. The mapping rules
 * are saved as text (PUT /api/v1/imports/rules); each problem is listed with its rule. */
import { ApiError, answer, api, clearErrors, showErrors, text, withLang } from "./api.js";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

async function send(form, dryRun) {
  if (form.dataset.import === "decidim") {
    const data = new FormData(form);
    const body = { api: data.get("api").trim(), component: data.get("component").trim() };
    for (const key of ["budget", "accountability"]) {
      if (data.get(key).trim()) body[key] = data.get(key).trim();
    }
    body.winners_only = data.get("winners_only") === "on";
    body.dry_run = dryRun;
    return api("POST", "/api/v1/imports/decidim", body);
  }
  const file = form.querySelector("input[type=file]").files[0];
  if (!file) throw new ApiError(422, { error: { message: text("choose_file"), items: [] } });
  const body = new FormData();
  body.append("file", file);
  const winners = form.querySelector("[name=winners_only]").checked;
  const path = `/api/v1/imports/csv?dry_run=${dryRun}&winners_only=${winners}`;
  const response = await fetch(withLang(path), {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRF-Token": csrf() },
  });
  return answer(response);
}

/** The form's values, to tell whether the dry run shown is of what would be imported. */
function signature(form) {
  const parts = [];
  for (const field of form.elements) {
    if (field.type === "file") parts.push([...field.files].map((f) => `${f.name}:${f.size}:${f.lastModified}`).join());
    else if (field.type === "checkbox") parts.push(field.checked);
    else if (field.name) parts.push(field.value);
  }
  return JSON.stringify(parts);
}

for (const form of document.querySelectorAll("form[data-import]")) {
  const summary = form.querySelector("[data-summary]");
  const status = form.querySelector("[data-status]");
  const run = form.querySelector("[data-run]");
  let dried = null;
  const sync = () => {
    run.disabled = dried === null || dried !== signature(form);
  };
  form.addEventListener("input", sync);
  form.addEventListener("change", sync);

  const go = async (dryRun) => {
    clearErrors(form, summary);
    status.textContent = text("working");
    run.disabled = true;
    try {
      const wanted = signature(form);
      const report = await send(form, dryRun);
      status.textContent = "";
      dried = dryRun ? wanted : null;
      showReport(report);
    } catch (error) {
      status.textContent = "";
      showErrors(form, summary, error);
    }
    sync();
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go(true);
  });
  run.addEventListener("click", () => go(false));
}

// --- the report ---------------------------------------------------------------------------------

const report = document.getElementById("report");
const lang = document.documentElement.lang;

function titleOf(title) {
  return title[lang] || title.fi || title.sv || title.en || Object.values(title)[0] || "";
}

function copyRow(label, value, multiline) {
  const wrap = document.createElement("div");
  wrap.className = "snippet";
  const field = document.createElement(multiline ? "textarea" : "input");
  field.readOnly = true;
  field.value = value;
  field.setAttribute("aria-label", label);
  if (multiline) field.rows = 3;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = text("copy");
  button.setAttribute("aria-label", `${text("copy")}: ${label}`);
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(value);
    } catch (error) {
      document.execCommand("copy"); // a page without clipboard permission: the selection
    }
    button.textContent = text("copied");
  });
  wrap.append(field, button);
  return wrap;
}

function showReport(data) {
  report.hidden = false;
  report.querySelector("[data-report-kind]").textContent = text(data.dry_run ? "report_dry" : "report_done");
  report.querySelector("[data-report-counts]").textContent = text("report_counts", data.counts);
  const body = report.querySelector("tbody");
  body.replaceChildren();
  for (const item of data.items) {
    const row = document.createElement("tr");
    row.dataset.project = item.project_id;
    row.dataset.result = item.result;
    const title = titleOf(item.title) || item.project_id;
    const cells = [title, text(`result_${item.result}`), item.reason || ""].map((value) => {
      const cell = document.createElement("td");
      cell.textContent = value;
      return cell;
    });
    const links = document.createElement("td");
    if (item.links) {
      links.append(
        copyRow(text("link_for", { title }), item.links.page, false),
        copyRow(text("iframe_for", { title }), item.links.iframe, true),
      );
    }
    row.append(...cells, links);
    body.append(row);
  }
  const unmapped = report.querySelector("[data-unmapped]");
  const list = document.getElementById("unmapped");
  list.replaceChildren();
  for (const slug of data.unmapped) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = withLang(`/admin/ideas/${encodeURIComponent(slug)}`);
    link.textContent = slug;
    item.append(link);
    list.append(item);
  }
  unmapped.hidden = data.unmapped.length === 0;
  report.focus();
}

// --- the mapping rules --------------------------------------------------------------------------

const rules = document.getElementById("rules-form");
const rulesSummary = document.getElementById("rules-errors");
const rulesStatus = document.getElementById("rules-status");
const problems = document.getElementById("rules-problems");
rules.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(rules, rulesSummary);
  problems.replaceChildren();
  rulesStatus.textContent = "";
  try {
    await api("PUT", "/api/v1/imports/rules", { source: document.getElementById("rules-source").value });
    rulesStatus.textContent = text("rules_saved");
    document.getElementById("rules-default")?.remove();
  } catch (error) {
    if (!(error instanceof ApiError) || !error.items.length) {
      showErrors(rules, rulesSummary, error);
      return;
    }
    rulesSummary.textContent = error.message;
    for (const item of error.items) {
      const line = document.createElement("li");
      line.textContent = item.loc ? `${item.loc}: ${item.message}` : item.message;
      problems.append(line);
    }
    document.getElementById("rules-source").setAttribute("aria-invalid", "true");
  }
});
