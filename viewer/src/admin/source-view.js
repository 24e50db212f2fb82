/* A template's source (YAML or JSON) shown with line numbers and colours, and the line of a
 * problem the API names by its place (`parts[3].size[0]`).
 *
 * Safe by construction: the text is cut into tokens and every token becomes a <span> whose
 * textContent is set — no HTML is ever built from the source, so nothing in it can run.
 *
 *   renderSource(container, text, problems)   problems: [{line, message}] shown under their line
 *   locateLines(text)                          Map "parts[3].size[0]" -> line number (1-based)
 *   lineOf(lines, loc)                         the line of `loc`, else of its nearest parent
 *
 * The locator is a small tolerant reader of the YAML the templates use (block mappings and
 * sequences, flow {…} and […] over one or more lines, quoted and plain scalars, block scalars,
 * comments); JSON is flow YAML, so it is read too. It never decides whether the text is valid —
 * the server does — it only remembers where each key and item starts.
 */

const KEY = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#{}\[\],:"'][^#{}\[\],:]*?)\s*:(?=\s|$)/;
const NUMBER = /^[-+]?(?:\d[\d_]*)?\.?\d+(?:[eE][-+]?\d+)?(?=\s*(?:[,\]}#]|$))/;
const LITERAL = /^(?:true|false|null|~)(?=\s*(?:[,\]}#]|$))/;

/** One line cut into [class, text] pieces (class "" for plain text). */
export function tokenize(line) {
  const out = [];
  let rest = line;
  let start = true; // where a key may begin (line start, after "- ", "{", ",")
  const push = (cls, text) => {
    if (text) out.push([cls, text]);
    rest = rest.slice(text.length);
  };
  while (rest) {
    const space = rest.match(/^\s+/);
    if (space) {
      push("", space[0]);
      continue;
    }
    if (rest[0] === "#" && (out.length === 0 || /\s$/.test(out[out.length - 1][1]))) {
      push("tok-comment", rest);
      break;
    }
    const key = start ? rest.match(KEY) : null;
    if (key) {
      const name = key[0].replace(/\s*:$/, "");
      push("tok-key", name);
      push("", rest.slice(0, rest.indexOf(":") + 1));
      start = false;
      continue;
    }
    if (/^[{[,]/.test(rest) || /^-(\s|$)/.test(rest)) {
      push("", rest[0]);
      start = true;
      continue;
    }
    if (/^[}\]]/.test(rest)) {
      push("", rest[0]);
      continue;
    }
    start = false;
    const quoted = rest.match(/^"(?:[^"\\]|\\.)*"?|^'(?:[^']|'')*'?/);
    if (quoted) {
      push("tok-string", quoted[0]);
      continue;
    }
    const number = rest.match(NUMBER);
    if (number) {
      push("tok-number", number[0]);
      continue;
    }
    const literal = rest.match(LITERAL);
    if (literal) {
      push("tok-literal", literal[0]);
      continue;
    }
    const plain = rest.match(/^(?:[^\s,\]}#]|\s+(?!#)(?=[^\s,\]}]))+/) || [rest[0]];
    push(plain[0].startsWith("=") ? "tok-expr" : "", plain[0]);
  }
  return out;
}

/** Fills `container` with the lines of `text`, numbered, coloured, problems under their line. */
export function renderSource(container, text, problems = []) {
  const byLine = new Map();
  for (const problem of problems) {
    if (!problem.line) continue;
    if (!byLine.has(problem.line)) byLine.set(problem.line, []);
    byLine.get(problem.line).push(problem.message);
  }
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const fragment = document.createDocumentFragment();
  lines.forEach((line, index) => {
    const number = index + 1;
    const row = document.createElement("span");
    row.className = "line";
    row.id = `${container.id || "source"}-L${number}`;
    row.dataset.line = String(number);
    const ln = document.createElement("span");
    ln.className = "ln";
    ln.textContent = String(number);
    ln.setAttribute("aria-hidden", "true");
    row.append(ln);
    for (const [cls, piece] of tokenize(line)) {
      if (!cls) {
        row.append(piece);
        continue;
      }
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = piece;
      row.append(span);
    }
    fragment.append(row);
    const messages = byLine.get(number);
    if (messages) {
      row.classList.add("bad");
      for (const message of messages) {
        const note = document.createElement("span");
        note.className = "line-error";
        note.dataset.errorLine = String(number);
        note.textContent = message;
        fragment.append(note);
      }
    }
  });
  container.replaceChildren(fragment);
}

// --- where each key and item starts ------------------------------------------------------------

/** Map from a place ("parts[3].size[0]", "params.width.default") to its 1-based line. */
export function locateLines(text) {
  const found = new Map();
  const starts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === "\n") starts.push(k + 1);
  let i = 0;
  const n = text.length;
  const lineAt = (pos) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const column = (pos) => pos - starts[lineAt(pos) - 1];
  const record = (path, pos) => {
    if (path && !found.has(path)) found.set(path, lineAt(pos));
  };
  const child = (path, key) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);
  const skipBlank = () => {
    while (i < n) {
      const c = text[i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
      else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]))) while (i < n && text[i] !== "\n") i++;
      else break;
    }
  };
  const readQuoted = () => {
    const quote = text[i++];
    let value = "";
    while (i < n) {
      const c = text[i++];
      if (quote === '"' && c === "\\") value += text[i++] ?? "";
      else if (c === quote) {
        if (quote === "'" && text[i] === "'") value += text[i++];
        else break;
      } else value += c;
    }
    return value;
  };
  const restOfLine = () => {
    const end = text.indexOf("\n", i);
    return text.slice(i, end === -1 ? n : end);
  };
  const isDash = () => text[i] === "-" && (i + 1 >= n || /\s/.test(text[i + 1]));
  const isBlockKey = () => !/^[{[]/.test(text[i]) && KEY.test(restOfLine());

  function flowScalar() {
    if (text[i] === '"' || text[i] === "'") return readQuoted();
    const start = i;
    while (i < n && !/[,\]}:\n]/.test(text[i])) i++;
    if (text[i] === ":" && !/\s/.test(text[i + 1] ?? " ")) {
      i++;
      while (i < n && !/[,\]}\n]/.test(text[i])) i++;
    }
    return text.slice(start, i).trim();
  }

  function flow(path) {
    const open = text[i++];
    const close = open === "{" ? "}" : "]";
    let index = 0;
    while (i < n) {
      skipBlank();
      if (text[i] === close) {
        i++;
        return;
      }
      if (text[i] === ",") {
        i++;
        continue;
      }
      const at = i;
      if (open === "[") {
        const here = child(path, index++);
        record(here, at);
        flowValue(here);
      } else {
        const key = text[i] === "{" || text[i] === "[" ? (flow(""), "") : flowScalar();
        const here = child(path, key);
        record(here, at);
        skipBlank();
        if (text[i] === ":") {
          i++;
          flowValue(here);
        }
      }
      const before = i;
      skipBlank();
      if (i < n && !/[,\]}]/.test(text[i]) && i === before) i++; // never stall on a stray mark
    }
  }

  function flowValue(path) {
    skipBlank();
    if (text[i] === "{" || text[i] === "[") flow(path);
    else flowScalar();
  }

  function blockScalarLines(indent) {
    while (i < n && text[i] !== "\n") i++;
    while (i < n) {
      const next = text.indexOf("\n", i + 1);
      const line = text.slice(i + 1, next === -1 ? n : next);
      if (line.trim() !== "" && line.length - line.trimStart().length <= indent) return;
      i = next === -1 ? n : next;
    }
  }

  function node(path, indent, sameIndentList) {
    skipBlank();
    if (i >= n) return;
    const col = column(i);
    if (col <= indent && !(sameIndentList && col === indent && isDash())) return;
    if (text[i] === "{" || text[i] === "[") {
      flow(path);
    } else if (isDash()) {
      sequence(path, col);
    } else if (isBlockKey()) {
      mapping(path, col);
    } else if (text[i] === '"' || text[i] === "'") {
      readQuoted();
    } else if (text[i] === "|" || text[i] === ">") {
      blockScalarLines(indent);
    } else {
      while (i < n && text[i] !== "\n") i++;
    }
  }

  function sequence(path, indent) {
    let index = 0;
    while (i < n) {
      skipBlank();
      if (i >= n || column(i) !== indent || !isDash()) return;
      const here = child(path, index++);
      record(here, i);
      i++;
      node(here, indent, false);
    }
  }

  function mapping(path, indent) {
    while (i < n) {
      skipBlank();
      if (i >= n || column(i) !== indent || !isBlockKey()) return;
      const at = i;
      const raw = restOfLine().match(KEY)[0];
      let key = raw.replace(/\s*:$/, "").trim();
      if (/^["']/.test(key)) key = key.slice(1, -1);
      const here = child(path, key);
      record(here, at);
      i += raw.length;
      node(here, indent, true);
    }
  }

  try {
    if (text.startsWith("---")) i = text.indexOf("\n") + 1 || n;
    node("", -1, false);
  } catch (error) {
    // a text too broken to read: the lines found so far are still right
  }
  return found;
}

/** Splits "parts[3].size[0]" into ["parts", 3, "size", 0]; a bracket with a name stays a name. */
function steps(loc) {
  const out = [];
  for (const match of loc.matchAll(/\[([^\]]*)\]|([^.[\]]+)/g)) {
    if (match[2] !== undefined) out.push(match[2]);
    else out.push(/^\d+$/.test(match[1]) ? Number(match[1]) : match[1]);
  }
  return out;
}

/** The line of the place `loc`, or of its nearest parent that has one; a syntax error's own
 * "line 3, column 5" is taken as it is; null when nothing matches (such as a component file). */
export function lineOf(lines, loc) {
  if (!loc) return null;
  const direct = loc.match(/^line (\d+)/);
  if (direct) return Number(direct[1]);
  const path = steps(loc);
  for (let length = path.length; length > 0; length--) {
    let key = "";
    for (const step of path.slice(0, length)) key = typeof step === "number" ? `${key}[${step}]` : key ? `${key}.${step}` : step;
    if (lines.has(key)) return lines.get(key);
  }
  return null;
}
