/* Trying a template's parameters: the parameter form and the live preview, nothing saved. */
import { api, showErrors } from "./api.js";
import { ParamsForm } from "./params.js";
import { LivePreview } from "./preview.js";

const section = document.getElementById("try");
const scope = document.getElementById("param-fields");
const preview = new LivePreview(document.getElementById("preview"), {
  stats: document.getElementById("preview-stats"),
  status: document.getElementById("preview-status"),
  error: document.getElementById("preview-error"),
  onFieldErrors: (error) => params.showErrors(error),
});
const id = section.dataset.template;
const version = section.dataset.version;
const params = new ParamsForm(scope, (values) => preview.update(id, version, values));

async function start(values) {
  try {
    const template = await api("GET", `/api/v1/templates/${encodeURIComponent(id)}?version=${version}`);
    params.build(template, values);
    preview.update(id, version, params.values());
  } catch (error) {
    showErrors(section, document.getElementById("form-errors"), error);
  }
}
document.getElementById("reset-params").addEventListener("click", () => start({}));
start({});
