/* Uploading a template or a new version: a file (read into the text field, where it may be
 * edited) or pasted text, with its component GLBs, sent as POST /api/v1/templates
 * (multipart/form-data, the X-CSRF-Token header). The API checks everything at once; each of
 * its problems is listed with its line (the place it names, such as parts[3].size[0], found in
 * the text by source-view.js) and shown under that line of the text. Component files are
 * listed as accepted or refused with the API's own message. Once stored: a link to the
 * template's page and its preview at the default values. */
import { ApiError, answer, text, withLang } from "./api.js";
import { LivePreview } from "./preview.js";
import { renderSource } from "./source-view.js";

const form = document.getElementById("upload");
const sourceText = document.getElementById("source-text");
const fileInput = document.getElementById("source-file");
const components = document.getElementById("component-files");
const status = document.getElementById("upload-status");
const problems = document.getElementById("upload-problems");
const problemList = document.getElementById("problem-list");
const problemSummary = document.getElementById("problems-summary");
const marked = document.getElementById("marked");
const checks = document.getElementById("component-checks");
const checkList = document.getElementById("check-list");
const result = document.getElementById("upload-result");

fileInput.addEventListener("change", async () => {
  const file = fileInput.files[0];
  if (file) sourceText.value = await file.text();
});

function fileName() {
  const chosen = fileInput.files[0];
  if (chosen) return chosen.name;
  return sourceText.value.trimStart().startsWith("{") ? "template.json" : "template.yaml";
}

function item(cls, words, extra) {
  const li = document.createElement("li");
  li.className = cls;
  li.append(words);
  if (extra) li.append(" — ", extra);
  return li;
}

/** Each component file: accepted, or refused with the API's messages for it. */
function showChecks(names, failures) {
  checkList.replaceChildren();
  for (const name of names) {
    const mine = failures.filter((entry) => entry.loc === `assets[${name}]` || entry.loc.startsWith(`assets[${name}].`));
    const words = `${name}: ${text(mine.length ? "check_failed" : "check_passed")}`;
    checkList.append(item(mine.length ? "failed" : "passed", words, mine.map((entry) => entry.message).join(" ")));
  }
  checks.hidden = names.length === 0;
}

function showProblems(error, source) {
  // The API gives each problem in the text its line (`line`); a component file's has none.
  const placed = [...error.items].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  problemSummary.textContent = error.message;
  problemList.replaceChildren();
  for (const entry of placed) {
    const li = document.createElement("li");
    if (entry.line) {
      const link = document.createElement("a");
      link.href = `#marked-L${entry.line}`;
      link.textContent = text("error_line", { line: entry.line });
      link.addEventListener("click", (event) => {
        event.preventDefault();
        goToLine(entry.line);
      });
      li.append(link, ": ");
    } else if (!entry.loc.startsWith("assets[")) {
      li.append(`${text("no_line")}: `);
    }
    li.append(entry.loc && !entry.loc.startsWith("line ") ? `${entry.loc}: ${entry.message}` : entry.message);
    li.dataset.line = entry.line ? String(entry.line) : "";
    problemList.append(li);
  }
  renderSource(marked, source, placed.filter((entry) => entry.line));
  problems.hidden = false;
}

/** Puts the caret of the text field at the start of `line` and shows it there. */
function goToLine(line) {
  const lines = sourceText.value.split("\n");
  const offset = lines.slice(0, line - 1).reduce((sum, part) => sum + part.length + 1, 0);
  sourceText.focus();
  sourceText.setSelectionRange(offset, offset + (lines[line - 1] || "").length);
  const height = sourceText.scrollHeight / Math.max(lines.length, 1);
  sourceText.scrollTop = Math.max(0, (line - 3) * height);
}

function showStored(stored) {
  result.querySelector("[data-result-title]").textContent = text("stored_ok", { id: stored.id, version: stored.version });
  result.querySelector("[data-carried]").textContent = stored.carried_over.length
    ? text("carried_over", { files: stored.carried_over.join(", ") })
    : "";
  document.getElementById("result-link").href = withLang(`/admin/templates/${encodeURIComponent(stored.id)}`);
  result.hidden = false;
  result.querySelector("[data-result-title]").focus();
  const preview = new LivePreview(document.getElementById("upload-preview"), {
    stats: document.getElementById("preview-stats"),
    status: document.getElementById("preview-status"),
    error: document.getElementById("preview-error"),
    onFieldErrors: () => {},
  });
  preview.update(stored.id, stored.version, {});
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const source = sourceText.value;
  const names = [...components.files].map((file) => file.name);
  const body = new FormData();
  body.append("source", new Blob([source], { type: "text/plain" }), fileName());
  for (const file of components.files) body.append("assets", file, file.name);
  const button = document.getElementById("upload-button");
  button.disabled = true;
  problems.hidden = true;
  result.hidden = true;
  status.textContent = text("uploading");
  try {
    const response = await fetch(withLang("/api/v1/templates"), {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]')?.content || "",
      },
    });
    const stored = await answer(response);
    status.textContent = "";
    showChecks(names, []);
    showStored(stored);
  } catch (error) {
    status.textContent = "";
    if (error instanceof ApiError) {
      showChecks(names, error.items);
      showProblems(error, source);
      problemSummary.focus?.();
    } else {
      problemSummary.textContent = text("error_network");
      problems.hidden = false;
    }
  } finally {
    button.disabled = false;
  }
});
