/* The parameter form, generated from a template's parameter schema (GET /api/v1/templates/{id}).
 *
 *   integer, number, length, angle   a slider (min..max, step) with a number field beside it
 *                                    (a number field alone when the range is open)
 *   choice                           a select of the options
 *   boolean                          a switch (a checkbox with role="switch")
 *   color                            a colour picker
 *   text                             a text field
 *
 * Fields are grouped in fieldsets as the template groups them (`group`), headed by the group's
 * label (`groups`), in the order `groups` lists them, then the template's order; labels, help
 * and option labels (`option_labels`) in the page's language (else fi, sv, en). Nothing is
 * checked here: the server's messages are shown beside each field (`showErrors`), so the rules
 * live in one place.
 * Every change calls `onChange(values)`, where values are the texts the preview URL takes.
 */
import { lang, text } from "./api.js";

const NUMERIC = new Set(["integer", "number", "length", "angle"]);
const UNITS = { length: "m", angle: "°" };

function pick(texts) {
  if (!texts) return "";
  for (const code of [lang, "fi", "sv", "en"]) if (texts[code]) return texts[code];
  const first = Object.values(texts)[0];
  return first || "";
}

function pickLang(texts) {
  if (!texts) return lang;
  for (const code of [lang, "fi", "sv", "en"]) if (texts[code]) return code;
  return lang;
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

/** A key as words: "court-acrylic" -> "Court acrylic", "3x3" stays: what a planner reads for
 * a group or an option the template gives no label (`groups`, `option_labels`). */
export function readable(key) {
  const words = String(key).replace(/[-_]+/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : String(key);
}

/** Per-language names of options that name a material (from the page: the materials' own
 * labels, see arservice/web/admin/catalog.py option_labels), by option. */
function optionLabels(container) {
  const holder = container.closest("[data-option-labels]");
  try {
    return holder ? JSON.parse(holder.dataset.optionLabels) : {};
  } catch (error) {
    return {};
  }
}

/** The value as the API's query takes it (text). */
function asText(param, value) {
  if (param.type === "boolean") return value ? "true" : "false";
  return String(value);
}

export class ParamsForm {
  /** `container`: where the fieldsets go; `errorPrefix`: the API's place of a parameter
   * ("template.params." in the idea editor, "" for the preview endpoint's own errors). */
  constructor(container, onChange) {
    this.container = container;
    this.onChange = onChange;
    this.schema = null;
    this.inputs = new Map();
  }

  /** Builds the form for `template` (the API's TemplatePublic) with `values` (by name). */
  build(template, values = {}) {
    this.schema = template;
    this.inputs.clear();
    this.container.replaceChildren();
    const groups = new Map();
    const headings = template.groups || {};
    for (const key of Object.keys(headings)) groups.set(key, []);
    for (const [name, param] of Object.entries(template.params)) {
      const key = param.group || "";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push([name, param]);
    }
    for (const [group, params] of groups) {
      if (!params.length) continue;
      const heading = headings[group];
      const legend = group ? pick(heading) || readable(group) : text("group_other");
      const other = heading && pickLang(heading) !== lang ? pickLang(heading) : null;
      const fieldset = element("fieldset", {}, [element("legend", { lang: other }, [legend])]);
      for (const [name, param] of params) {
        const value = name in values ? values[name] : param.default;
        fieldset.append(this.field(name, param, value));
      }
      this.container.append(fieldset);
    }
  }

  field(name, param, value) {
    const id = `param-${name}`;
    const errorId = `error-param-${name}`;
    const helpId = `help-param-${name}`;
    const help = pick(param.help);
    const described = [help ? helpId : null, errorId].filter(Boolean).join(" ");
    const unit = UNITS[param.type] ? ` (${UNITS[param.type]})` : "";
    const label = element("label", { for: id, lang: pickLang(param.label) === lang ? null : pickLang(param.label) }, [
      (pick(param.label) || readable(name)) + unit,
    ]);
    const wrap = element("div", { class: "field", "data-param": name });
    let control;
    if (NUMERIC.has(param.type)) {
      control = this.numeric(id, name, param, value, described);
    } else if (param.type === "choice") {
      control = element("select", { id, "data-loc": `template.params.${name}`, "aria-describedby": described });
      const labels = optionLabels(this.container);
      for (const option of param.options || []) {
        const named = param.option_labels?.[option] || labels[option];
        const words = named ? pick(named) : readable(option);
        const other = named && pickLang(named) !== lang ? pickLang(named) : null;
        control.append(element("option", { value: option, selected: option === value, lang: other }, [words]));
      }
      this.listen(control, name, () => control.value);
    } else if (param.type === "boolean") {
      const box = element("input", {
        id, type: "checkbox", role: "switch", checked: Boolean(value),
        "data-loc": `template.params.${name}`, "aria-describedby": described,
      });
      this.listen(box, name, () => box.checked);
      wrap.classList.add("switch-row");
      wrap.append(box, label);
    } else if (param.type === "color") {
      control = element("input", {
        id, type: "color", value, "data-loc": `template.params.${name}`, "aria-describedby": described,
      });
      this.listen(control, name, () => control.value);
    } else {
      control = element("input", { id, value, "data-loc": `template.params.${name}`, "aria-describedby": described });
      this.listen(control, name, () => control.value);
    }
    if (control) wrap.append(label, control);
    if (help) wrap.append(element("p", { class: "hint", id: helpId, lang: pickLang(param.help) === lang ? null : pickLang(param.help) }, [help]));
    wrap.append(element("p", { class: "field-error", id: errorId, "data-error-for": `template.params.${name}` }));
    return wrap;
  }

  /** A slider and a number field that follow each other; the number field is the value (it
   * may be typed past the range, and the server then says why that is not allowed). */
  numeric(id, name, param, value, described) {
    const step = param.step ?? (param.type === "integer" ? 1 : "any");
    const number = element("input", {
      id, type: "number", value, step, min: param.min, max: param.max,
      "data-loc": `template.params.${name}`, "aria-describedby": described,
    });
    this.listen(number, name, () => number.value);
    if (param.min === undefined || param.min === null || param.max === undefined || param.max === null) {
      return number;
    }
    const range = element("input", {
      type: "range", value, min: param.min, max: param.max,
      step: step === "any" ? (param.max - param.min) / 100 : step,
      "aria-label": pick(param.label) || name, "data-slider": name,
    });
    range.addEventListener("input", () => {
      number.value = range.value;
      number.dispatchEvent(new Event("input", { bubbles: true }));
    });
    number.addEventListener("input", () => {
      if (number.value !== "") range.value = number.value;
    });
    const row = element("div", { class: "slider-row" }, [range, number]);
    row.focusTarget = number;
    return row;
  }

  listen(input, name, read) {
    this.inputs.set(name, read);
    const fire = () => this.onChange(this.values());
    input.addEventListener(input.type === "checkbox" || input.tagName === "SELECT" ? "change" : "input", fire);
  }

  /** The API's errors (items named by parameter, or by template.params.<name>) beside their
   * fields; null clears them. */
  showErrors(error) {
    for (const slot of this.container.querySelectorAll("[data-error-for]")) slot.textContent = "";
    for (const input of this.container.querySelectorAll('[aria-invalid="true"]')) input.removeAttribute("aria-invalid");
    for (const item of error ? error.items : []) {
      const loc = item.loc.startsWith("template.params.") ? item.loc : `template.params.${item.loc}`;
      const slot = this.container.querySelector(`[data-error-for="${CSS.escape(loc)}"]`);
      if (!slot) continue;
      slot.textContent = item.message;
      this.container.querySelector(`[data-loc="${CSS.escape(loc)}"]`)?.setAttribute("aria-invalid", "true");
    }
  }

  /** Every parameter's value as text, by name. */
  values() {
    const values = {};
    if (!this.schema) return values;
    for (const [name, read] of this.inputs) values[name] = asText(this.schema.params[name], read());
    return values;
  }

  /** The values as the idea's JSON takes them (numbers as numbers, booleans as booleans). */
  typedValues() {
    const typed = {};
    if (!this.schema) return typed;
    for (const [name, read] of this.inputs) {
      const param = this.schema.params[name];
      const raw = read();
      if (NUMERIC.has(param.type)) {
        const number = Number(raw);
        typed[name] = raw === "" || Number.isNaN(number) ? raw : number;
      } else {
        typed[name] = raw;
      }
    }
    return typed;
  }
}
