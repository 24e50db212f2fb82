/* A template's source (YAML or JSON) shown with line numbers and colours, with problems under
 * their line (the API gives each problem of an uploaded text its `line`: the server reads the
 * YAML, arservice/parametric/loader.py source_lines).
 *
 * Safe by construction: the text is cut into tokens and every token becomes a <span> whose
 * textContent is set — no HTML is ever built from the source, so nothing in it can run.
 *
 *   renderSource(container, text, problems)   problems: [{line, message}] shown under their line
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
