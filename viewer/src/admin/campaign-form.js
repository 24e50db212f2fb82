/* What the campaign pages share: the idea picker (filters that only narrow the list; the chosen
 * ideas in the order of the list) and the settings fields (name per language, poster languages
 * in print order, size), read into the API's request body. */

/** Wires the picker's filters inside `scope`; returns a function giving the chosen slugs. Each
 * chosen row gets the error slot of its place in the request (`ideas[k]`), so the API's message
 * about the k-th idea is shown on that idea's row. */
export function picker(scope) {
  const rows = [...scope.querySelectorAll("[data-picker] tr[data-idea]")];
  const filters = [...scope.querySelectorAll("[data-filter]")];
  const apply = () => {
    const wanted = Object.fromEntries(filters.map((f) => [f.dataset.filter, f.value.trim().toLowerCase()]));
    for (const row of rows) {
      const words = (wanted.q || "").split(/\s+/).filter(Boolean);
      const shown =
        words.every((word) => row.dataset.search.includes(word)) &&
        (!wanted.district || row.dataset.district.toLowerCase() === wanted.district) &&
        (!wanted.campaign || row.dataset.campaigns.split(" ").includes(wanted.campaign));
      // a chosen idea stays visible: hiding it would hide what will be sent
      row.hidden = !shown && !row.querySelector("[data-pick]").checked;
    }
  };
  for (const filter of filters) filter.addEventListener("input", apply);
  return () => {
    const chosen = [];
    for (const row of rows) {
      const slot = row.querySelector("[data-pick-error]");
      slot.removeAttribute("data-error-for");
      if (row.querySelector("[data-pick]").checked) {
        slot.setAttribute("data-error-for", `ideas[${chosen.length}]`);
        chosen.push(row.dataset.idea);
      }
    }
    return chosen;
  };
}

/** The name, languages and size fields inside `scope`, as the API takes them. */
export function settings(scope) {
  const name = {};
  for (const input of scope.querySelectorAll("[data-name]")) {
    if (input.value.trim()) name[input.dataset.name] = input.value;
  }
  // The k-th chosen language is languages[k]: its error slot moves to the select it came from.
  const languages = [];
  for (const select of scope.querySelectorAll("[data-poster-lang]")) {
    const slot = select.parentElement.querySelector("[data-error-for]");
    if (select.value) {
      slot.setAttribute("data-error-for", `languages[${languages.length}]`);
      select.setAttribute("data-loc", `languages[${languages.length}]`);
      languages.push(select.value);
    } else {
      slot.setAttribute("data-error-for", `unused-${select.id}`);
      select.setAttribute("data-loc", `unused-${select.id}`);
    }
  }
  const size = scope.querySelector("[data-size]:checked");
  return { name, languages, poster_size: size ? size.value : "a4" };
}
