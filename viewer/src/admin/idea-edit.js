/* The idea editor: texts side by side with missing translations flagged, the PB source, the
 * site (coordinates typed or pasted, the heading on a compass), the template's parameters with
 * the live preview, saving (PATCH /api/v1/ideas/{slug}) and publishing, unpublishing or archiving after a
 * confirmation. Every rule is the API's: its messages appear beside the fields they name.
 */
import { api, clearErrors, confirmDialog, showErrors, text } from "./api.js";
import { compass } from "./compass.js";
import { ParamsForm } from "./params.js";
import { LivePreview } from "./preview.js";

const form = document.getElementById("idea-form");
const bar = document.getElementById("idea-status");
const slug = bar.dataset.slug;
const summary = document.getElementById("form-errors");
const saveStatus = document.getElementById("save-status");

// --- texts: a missing translation is marked as it is typed ---------------------------------

function markMissing() {
  let missing = 0;
  for (const field of form.querySelectorAll("[data-text-field]")) {
    const input = field.querySelector("[data-text]");
    const empty = input.value.trim() === "";
    field.classList.toggle("missing", empty);
    field.querySelector("[data-missing]").hidden = !empty;
    if (empty) missing += 1;
  }
  document.getElementById("missing-count").textContent = missing ? text("missing_count", { count: missing }) : "";
}
form.addEventListener("input", (event) => {
  if (event.target.matches("[data-text]")) markMissing();
});
markMissing();

function texts(name) {
  const values = {};
  for (const input of form.querySelectorAll(`[data-text="${name}"]`)) {
    if (input.value.trim()) values[input.dataset.lang] = input.value;
  }
  return values;
}

// --- the PB source --------------------------------------------------------------------------

function pb() {
  const value = (key) => form.querySelector(`[data-pb="${key}"]`).value.trim();
  const budget = value("budget_eur").replace(/\s/g, "").replace(",", ".");
  const number = Number(budget);
  return {
    platform: value("platform") || null,
    url: value("url") || null,
    project_id: value("project_id") || null,
    budget_eur: budget === "" ? null : Number.isFinite(number) ? number : budget,
    selected: form.querySelector('[data-pb="selected"]').checked,
  };
}

// --- the site: typed or pasted coordinates, the heading on a compass --------------------------

const latitude = document.getElementById("site-latitude");
const longitude = document.getElementById("site-longitude");
const heading = document.getElementById("site-heading");
const PAIR = /^\s*(-?\d+(?:[.,]\d+)?)\s*[,;\s]\s*(-?\d+(?:[.,]\d+)?)\s*$/;

function pastePair(event) {
  const pasted = (event.clipboardData || window.clipboardData)?.getData("text") || "";
  const found = pasted.replace(/[°NnEe]/g, " ").trim().match(PAIR);
  if (!found) return;
  event.preventDefault();
  latitude.value = found[1].replace(",", ".");
  longitude.value = found[2].replace(",", ".");
}
latitude.addEventListener("paste", pastePair);
longitude.addEventListener("paste", pastePair);
compass(document.getElementById("compass"), document.getElementById("needle"), heading);

function coordinate(input) {
  const raw = input.value.trim().replace(",", ".");
  const number = Number(raw);
  return raw !== "" && Number.isFinite(number) ? number : raw;
}

function site() {
  if (latitude.value.trim() === "" && longitude.value.trim() === "") return null;
  return {
    latitude: coordinate(latitude),
    longitude: coordinate(longitude),
    heading: heading.value.trim() === "" ? 0 : coordinate(heading),
  };
}

// --- the template and its parameters, with the live preview ----------------------------------

const choice = document.getElementById("template-choice");
let params = null;
let preview = null;

async function loadTemplate(id, version, values) {
  const query = version ? `?version=${version}` : "";
  const template = await api("GET", `/api/v1/templates/${encodeURIComponent(id)}${query}`);
  params.build(template, values);
  preview.update(template.id, template.version, params.values());
  return template;
}

let shownTemplate = null;
if (choice) {
  const viewer = document.getElementById("preview");
  preview = new LivePreview(viewer, {
    stats: document.getElementById("preview-stats"),
    status: document.getElementById("preview-status"),
    error: document.getElementById("preview-error"),
    onFieldErrors: (error) => params.showErrors(error),
  });
  params = new ParamsForm(document.getElementById("param-fields"), (values) => {
    if (shownTemplate) preview.update(shownTemplate.id, shownTemplate.version, values);
  });
  const start = async (id, version, values) => {
    if (!id) return;
    try {
      shownTemplate = await loadTemplate(id, version, values);
    } catch (error) {
      showErrors(form, summary, error);
    }
  };
  choice.addEventListener("change", () => {
    const same = choice.value === choice.dataset.current;
    start(choice.value, same ? choice.dataset.version : "", same ? JSON.parse(choice.dataset.params) : {});
  });
  document.getElementById("reset-params").addEventListener("click", () => {
    if (shownTemplate) start(shownTemplate.id, shownTemplate.version, {});
  });
  start(choice.value, choice.dataset.version, JSON.parse(choice.dataset.params || "{}"));
}

// An uploaded model (model-upload.js) replaces the template: saving must not bring it back.
let uploaded = document.getElementById("model-upload")?.dataset.uploaded === "true";
document.addEventListener("model-uploaded", (event) => {
  uploaded = true;
  const area = document.getElementById("template-model");
  if (area) area.hidden = true;
  showStatus(event.detail);
});

// --- stage and district ---------------------------------------------------------------------

function district() {
  const values = {};
  for (const input of form.querySelectorAll("[data-district]")) {
    if (input.value.trim()) values[input.dataset.district] = input.value.trim();
  }
  return values;
}

function template() {
  if (uploaded || !choice || !choice.value || !shownTemplate) return undefined;
  return { id: shownTemplate.id, version: shownTemplate.version, params: params.typedValues() };
}

// --- saving, publishing, archiving ----------------------------------------------------------

async function save() {
  const body = {
    title: texts("title"),
    summary: texts("summary"),
    description: texts("description"),
    pb: pb(),
    site: site(),
    stage: document.getElementById("idea-stage").value,
    district: district(),
  };
  const chosen = template();
  if (chosen) body.template = chosen;
  const idea = await api("PATCH", `/api/v1/ideas/${encodeURIComponent(slug)}`, body);
  if (chosen) {
    choice.dataset.current = chosen.id;
    choice.dataset.version = String(chosen.version);
    choice.dataset.params = JSON.stringify(idea.template ? idea.template.params : {});
  }
  return idea;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = document.getElementById("save");
  button.disabled = true;
  saveStatus.textContent = text("saving");
  clearErrors(form, summary);
  try {
    await save();
    saveStatus.textContent = text("saved");
  } catch (error) {
    saveStatus.textContent = text("not_saved");
    showErrors(form, summary, error);
  } finally {
    button.disabled = false;
  }
});

function showStatus(idea) {
  bar.dataset.status = idea.status;
  const badge = document.getElementById("status-badge");
  badge.className = `badge badge-${idea.status}`;
  badge.textContent = document.getElementById("status-names").dataset[idea.status];
  document.getElementById("public-link").hidden = idea.status !== "published";
  document.getElementById("archive").hidden = idea.status === "archived";
  document.getElementById("unpublish").hidden = idea.status === "draft";
}

async function act(action, question, done) {
  const status = document.getElementById("action-status");
  const error = document.getElementById("action-error");
  if (!(await confirmDialog(question))) return;
  status.textContent = text("saving");
  error.textContent = "";
  try {
    await save(); // what is on the form is what gets published
    const idea = await api("POST", `/api/v1/ideas/${encodeURIComponent(slug)}/${action}`);
    showStatus(idea);
    status.textContent = text(done);
  } catch (failure) {
    status.textContent = "";
    showErrors(form, error, failure);
  }
}

const asks = document.getElementById("confirm-texts").dataset;
document.getElementById("publish").addEventListener("click", () => act("publish", asks.publish, "published_ok"));
document.getElementById("archive").addEventListener("click", () => act("archive", asks.archive, "archived_ok"));
document.getElementById("unpublish").addEventListener("click", () => act("unpublish", asks.unpublish, "unpublished_ok"));
