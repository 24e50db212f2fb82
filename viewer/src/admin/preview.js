/* The live preview: parameter values -> the staff preview GLB -> <model-viewer>, with the
 * model's size and its budgets.
 *
 * A change made while the preview is idle (the last model shown, nothing waiting) is asked for
 * at once; a change made while another is waiting or loading (a dragged slider sends many)
 * waits DEBOUNCE_MS for the next one, so a drag asks for its first and its last model and few
 * between; a drag that goes on is still shown every MAX_WAIT_MS, so the model follows the hand.
 * Waiting on every change cost each of them DEBOUNCE_MS on screen (docs/benchmarks.md, the live
 * preview). The request is
 * GET /api/v1/templates/{id}/model.glb?version=&<values> (staff only), which builds the model
 * once per set of values and redirects to its immutable /a/<sha256>.glb. The answer is read
 * here (fetch follows the redirect): its JSON chunk gives the figures (triangles from the index
 * accessors, the bounding box from the POSITION accessors' min/max, the materials), its length
 * the file size; then model-viewer is pointed at the same URL, which the browser has cached.
 * A newer change cancels an older request (AbortController), so the model on screen is always
 * the last one asked for. A 422 puts the server's message beside its field.
 *
 * For tests and the benchmark, the viewer carries what it shows: data-preview-seq (the number
 * of the change shown), data-triangles, data-size ("x y z" in metres).
 */
import { ApiError, answer, lang, text } from "./api.js";

export const DEBOUNCE_MS = 120;
export const MAX_WAIT_MS = 400;
const GLB_MAGIC = 0x46546c67;
const JSON_CHUNK = 0x4e4f534a;

/** The figures of a GLB: triangles, materials, bounding box size [x, y, z] in metres. */
export function glbFigures(buffer) {
  const view = new DataView(buffer);
  if (view.getUint32(0, true) !== GLB_MAGIC || view.getUint32(16, true) !== JSON_CHUNK) {
    throw new Error("not a GLB");
  }
  const length = view.getUint32(12, true);
  const gltf = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 20, length)));
  const accessors = gltf.accessors || [];
  let triangles = 0;
  const low = [Infinity, Infinity, Infinity];
  const high = [-Infinity, -Infinity, -Infinity];
  for (const mesh of gltf.meshes || []) {
    for (const primitive of mesh.primitives || []) {
      const position = accessors[primitive.attributes.POSITION];
      const corners = primitive.indices !== undefined ? accessors[primitive.indices].count : position.count;
      if ((primitive.mode ?? 4) === 4) triangles += Math.floor(corners / 3);
      for (let axis = 0; axis < 3; axis++) {
        low[axis] = Math.min(low[axis], position.min[axis]);
        high[axis] = Math.max(high[axis], position.max[axis]);
      }
    }
  }
  const size = low.map((value, axis) => (Number.isFinite(value) ? high[axis] - value : 0));
  return { triangles, materials: (gltf.materials || []).length, size, bytes: buffer.byteLength };
}

const numberFormat = (digits) => new Intl.NumberFormat(lang, { maximumFractionDigits: digits });

export class LivePreview {
  constructor(viewer, { stats, status, error, onFieldErrors }) {
    this.viewer = viewer;
    this.stats = stats;
    this.status = status;
    this.error = error;
    this.onFieldErrors = onFieldErrors;
    this.budgets = JSON.parse(viewer.dataset.budgets || "{}");
    this.timer = null;
    this.controller = null;
    this.loading = false;
    this.firedAt = -Infinity;
    this.seq = 0;
    viewer.dataset.previewSeq = "0";
  }

  /** Ask for the model of `templateId` (`version`, or the newest) with `values` (texts). */
  update(templateId, version, values) {
    const idle = this.timer === null && !this.loading;
    clearTimeout(this.timer);
    const seq = ++this.seq;
    const fire = () => {
      this.timer = null;
      this.firedAt = performance.now();
      this.load(seq, templateId, version, values);
    };
    const overdue = MAX_WAIT_MS - (performance.now() - this.firedAt);
    this.timer = setTimeout(fire, idle ? 0 : Math.max(0, Math.min(DEBOUNCE_MS, overdue)));
  }

  async load(seq, templateId, version, values) {
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const query = new URLSearchParams({ lang });
    if (version) query.set("version", String(version));
    for (const [name, value] of Object.entries(values)) query.set(name, value);
    const root = document.querySelector('meta[name="api-root"]')?.content || "";
    this.status.textContent = text("preview_building");
    this.loading = true;
    try {
      const response = await fetch(
        `${root}/api/v1/templates/${encodeURIComponent(templateId)}/model.glb?${query}`,
        { credentials: "same-origin", signal: controller.signal },
      );
      if (!response.ok) {
        await answer(response); // throws the ApiError (or leaves for the login on 401)
      }
      const buffer = await response.arrayBuffer();
      if (seq !== this.seq) return;
      const figures = glbFigures(buffer);
      await this.show(response.url, seq);
      this.showFigures(figures);
      this.error.textContent = "";
      this.onFieldErrors(null);
      this.status.textContent = text("preview_ready");
    } catch (error) {
      if (error.name === "AbortError" || seq !== this.seq) return;
      this.status.textContent = "";
      if (error instanceof ApiError && error.status === 422 && error.items.length) {
        this.onFieldErrors(error);
        const unplaced = error.items.filter((item) => !item.loc);
        this.error.textContent = [text("preview_failed"), ...unplaced.map((item) => item.message)].join(" ");
      } else {
        this.error.textContent = error instanceof ApiError ? error.message : text("error_network");
      }
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }

  /** Points the viewer at `url` and waits for it to show (or at once when it already does). */
  show(url, seq) {
    const viewer = this.viewer;
    const done = () => {
      viewer.dataset.previewSeq = String(seq);
      viewer.dispatchEvent(new CustomEvent("preview-shown", { detail: { seq } }));
    };
    if (viewer.src === url) {
      done();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        viewer.removeEventListener("load", finish);
        viewer.removeEventListener("error", finish);
        if (seq === this.seq) done();
        resolve();
      };
      viewer.addEventListener("load", finish);
      viewer.addEventListener("error", finish);
      viewer.src = url;
    });
  }

  showFigures({ triangles, materials, size, bytes }) {
    const metres = numberFormat(2);
    const whole = numberFormat(0);
    const set = (name, value, used, near, limit, limitText) => {
      const cell = this.stats.querySelector(`[data-stat="${name}"]`);
      cell.replaceChildren(value);
      if (limit === undefined) return;
      const state = used > limit ? "over" : used > near ? "near" : null;
      if (state) {
        const badge = document.createElement("span");
        badge.className = state;
        badge.textContent = text(state === "over" ? "budget_over" : "budget_near", { limit: limitText });
        cell.append(" ", badge);
      }
    };
    const b = this.budgets;
    set("footprint", `${metres.format(size[0])} × ${metres.format(size[2])} m`);
    set("height", `${metres.format(size[1])} m`);
    set("triangles", whole.format(triangles), triangles, b.trianglesAim, b.triangles, whole.format(b.triangles));
    set("materials", whole.format(materials), materials, b.materials - 2, b.materials, whole.format(b.materials));
    const megabytes = numberFormat(2);
    set("bytes", `${megabytes.format(bytes / 1048576)} MB`, bytes, b.bytes * 0.8, b.bytes,
      `${megabytes.format(b.bytes / 1048576)} MB`);
    this.viewer.dataset.triangles = String(triangles);
    this.viewer.dataset.size = size.map((value) => value.toFixed(3)).join(" ");
  }
}
