// The filter bar above a queue: severity, status, level and free text.

import { label, t } from "./i18n.js";
import { esc } from "./ui.js";

function select(name, values, family, allKey = "filter.all") {
  const options = values.map((v) => `<option value="${v}">${esc(label(family, v))}</option>`).join("");
  return `<label>${esc(t(`filter.${name}`))}<select name="${name}"><option value="">${esc(t(allKey))}</option>${options}</select></label>`;
}

/** Put a filter bar into ``el`` that drives ``queue.filter``. */
export function filterBar(el, queue, { statuses = ["new", "acknowledged", "dispatched", "resolved"] } = {}) {
  el.innerHTML = `<form class="filters" role="search">
      ${select("severity", ["critical", "major", "minor", "info"], "sev")}
      ${select("status", statuses, "status", "filter.unclosed")}
      ${select("level", ["community", "street"], "level")}
      <input name="q" type="search" placeholder="${esc(t("filter.search"))}" aria-label="${esc(t("filter.search"))}">
    </form>`;
  const form = el.querySelector("form");
  form.addEventListener("input", () => {
    for (const key of ["severity", "status", "level", "q"]) queue.filter[key] = form.elements[key].value;
    queue.render();
  });
  form.addEventListener("submit", (e) => e.preventDefault());
}
