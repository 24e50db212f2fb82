/* An idea's whole model uploaded as a GLB (PUT /api/v1/ideas/{slug}/model, multipart field
 * "file"): the checks it passed, or the API's message for each that failed, then the model as
 * it was accepted (placed by the model contract: centred, standing on the ground) with its
 * size against the budgets. On success the page's editor is told ("model-uploaded"), so a
 * later save keeps the upload instead of the template. */
import { ApiError, answer, clearErrors, text, withLang } from "./api.js";
import { glbFigures, LivePreview } from "./preview.js";

const box = document.getElementById("model-upload");
const slug = document.getElementById("idea-status").dataset.slug;
const input = document.getElementById("model-file");
const status = document.getElementById("model-upload-status");
const checksBox = document.getElementById("model-checks-box");
const checks = document.getElementById("model-checks");
const shownBox = document.getElementById("uploaded-box");
const viewer = document.getElementById("uploaded-preview");
const figures = new LivePreview(viewer, {
  stats: document.getElementById("uploaded-stats"),
  status,
  error: status,
  onFieldErrors: () => {},
});

/** What check_glb (arservice/services/uploads.py) checks, in its order; an API message names
 * the one that failed (rounds stop at the first failing one, so later ones are not known). */
const CHECKS = ["check_file", "check_size", "check_budget", "check_scale"];

function line(cls, words) {
  const li = document.createElement("li");
  li.className = cls;
  li.textContent = words;
  return li;
}

function showChecks(failures) {
  checks.replaceChildren();
  if (!failures) {
    for (const key of CHECKS) checks.append(line("passed", `${text(key)}: ${text("check_passed")}`));
  } else {
    for (const failure of failures) checks.append(line("failed", `${text("check_failed")}: ${failure}`));
  }
  checksBox.hidden = false;
}

async function show(url) {
  shownBox.hidden = false;
  const response = await fetch(url, { credentials: "same-origin" });
  const buffer = await response.arrayBuffer();
  figures.showFigures(glbFigures(buffer));
  await figures.show(response.url, ++figures.seq);
}

document.getElementById("model-upload-button").addEventListener("click", async () => {
  clearErrors(box, null);
  const file = input.files[0];
  if (!file) {
    status.textContent = text("choose_file");
    input.focus();
    return;
  }
  const body = new FormData();
  body.append("file", file, file.name);
  status.textContent = text("upload_checking");
  try {
    const response = await fetch(withLang(`/api/v1/ideas/${encodeURIComponent(slug)}/model`), {
      method: "PUT",
      body,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]')?.content || "",
      },
    });
    const idea = await answer(response);
    showChecks(null);
    status.textContent = text("upload_ok");
    box.dataset.uploaded = "true";
    document.dispatchEvent(new CustomEvent("model-uploaded", { detail: idea }));
    if (idea.artifacts.glb) await show(idea.artifacts.glb);
  } catch (error) {
    if (error instanceof ApiError) {
      const messages = error.items.length ? error.items.map((item) => item.message) : [error.message];
      showChecks(messages);
      status.textContent = text("upload_refused");
      input.setAttribute("aria-invalid", "true");
    } else {
      status.textContent = text("error_network");
    }
  }
});

if (box.dataset.glb && box.dataset.uploaded === "true") show(box.dataset.glb);
