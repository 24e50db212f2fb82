/* The staff pages' one way to call the JSON API.
 *
 * - Every change (not GET) sends the session's CSRF token (from <meta name="csrf-token">) in the
 *   X-CSRF-Token header; the session cookie goes along by itself (same origin).
 * - ?lang= of the page is added to every call, so the API's error messages are in the page's
 *   language, exactly as the API words them.
 * - A 401 means the session has ended (expired, password changed, deactivated): the browser goes
 *   to the login page, which brings the user back to this very page afterwards.
 * - An error answer becomes an ApiError with the API's {code, message, items}.
 */

export const lang = document.documentElement.lang || "en";
const root = document.querySelector('meta[name="api-root"]')?.content || "";

let texts = null;

/** The page's words (already translated); `{name}` placeholders filled from `values`. */
export function text(key, values = {}) {
  if (texts === null) {
    const data = document.getElementById("admin-texts");
    texts = data ? JSON.parse(data.textContent) : {};
  }
  const found = texts[key] ?? key;
  return found.replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_error";
    this.items = Array.isArray(error.items) ? error.items : [];
  }
}

/** Where the login page is, with this page as the way back. */
export function loginUrl() {
  const here = location.pathname + location.search;
  return `${root}/admin/login?next=${encodeURIComponent(here)}&lang=${encodeURIComponent(lang)}`;
}

export function withLang(path) {
  const url = new URL(root + path, location.origin);
  if (!url.searchParams.has("lang")) url.searchParams.set("lang", lang);
  return url.pathname + url.search;
}

/** Calls the API; the answer's JSON (null for 204), or throws ApiError / a network TypeError. */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const options = { method, headers, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") {
    headers["X-CSRF-Token"] = document.querySelector('meta[name="csrf-token"]')?.content || "";
  }
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(withLang(path), options);
  return answer(response);
}

/** The JSON of a response, or ApiError; a 401 leaves for the login page. */
export async function answer(response) {
  if (response.status === 401) {
    location.assign(loginUrl());
    throw new ApiError(401, null);
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Shows the API's error: each item beside its field ([data-loc="site.latitude"] in `scope`),
 * the rest in `summary`. Returns true when every item found its field. */
export function showErrors(scope, summary, error) {
  clearErrors(scope, summary);
  if (!(error instanceof ApiError)) {
    if (!(error instanceof TypeError && /fetch/i.test(error.message))) console.error(error);
    summary.textContent = text("error_network");
    return false;
  }
  const unplaced = [];
  for (const item of error.items) {
    const slot = scope.querySelector(`[data-error-for="${CSS.escape(item.loc)}"]`);
    if (slot) {
      slot.textContent = item.message;
      const input = scope.querySelector(`[data-loc="${CSS.escape(item.loc)}"]`);
      if (input) input.setAttribute("aria-invalid", "true");
    } else {
      unplaced.push(item.loc ? `${item.loc}: ${item.message}` : item.message);
    }
  }
  summary.textContent = unplaced.length
    ? [error.message, ...unplaced].join(" — ")
    : error.items.length ? text("error_fields") : error.message;
  return unplaced.length === 0;
}

export function clearErrors(scope, summary) {
  for (const slot of scope.querySelectorAll("[data-error-for]")) slot.textContent = "";
  for (const input of scope.querySelectorAll('[aria-invalid="true"]')) input.removeAttribute("aria-invalid");
  if (summary) summary.textContent = "";
}

/** A yes/cancel question in the page's <dialog id="confirm">; resolves true on yes. */
export function confirmDialog(message) {
  const dialog = document.getElementById("confirm");
  dialog.querySelector("[data-question]").textContent = message;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}
