// The site tree (街道 › 社区 › 楼栋 › 单元) with a badge of open alerts on each
// node, coloured by the most severe one below it. Clicking a node filters the queue.

import { t } from "./i18n.js";
import { esc } from "./ui.js";

const RANK = { critical: 0, major: 1, minor: 2, info: 3 };

/** Open-alert count and worst severity per site path, summed up the tree. */
export function badgeCounts(alerts) {
  const counts = new Map();
  for (const a of alerts) {
    if (!a.site_path || a.status === "resolved" || a.status === "closed") continue;
    const parts = a.site_path.split("/");
    for (let i = 1; i <= parts.length; i += 1) {
      const path = parts.slice(0, i).join("/");
      const entry = counts.get(path) || { n: 0, worst: "info" };
      entry.n += 1;
      if (RANK[a.severity] < RANK[entry.worst]) entry.worst = a.severity;
      counts.set(path, entry);
    }
  }
  return counts;
}

export function renderTree(el, sites, alerts, selectedPath, onSelect) {
  const counts = badgeCounts(alerts);
  const children = new Map();
  for (const s of sites) {
    const key = s.parent_id || "";
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(s);
  }
  const ids = new Set(sites.map((s) => s.id));
  const roots = sites.filter((s) => !s.parent_id || !ids.has(s.parent_id));
  const node = (s) => {
    const c = counts.get(s.path);
    const badge = c ? `<span class="badge sev-${c.worst}">${c.n}</span>` : "";
    const kids = (children.get(s.id) || []).map(node).join("");
    return `<li><button type="button" class="node kind-${esc(s.kind)}${s.path === selectedPath ? " selected" : ""}" data-path="${esc(s.path)}">
        ${esc(s.name)}${badge}</button>${kids ? `<ul>${kids}</ul>` : ""}</li>`;
  };
  el.innerHTML = `<h2>${esc(t("tree.title"))}</h2>
    <button type="button" class="node all${selectedPath ? "" : " selected"}" data-path="">${esc(t("tree.all"))}</button>
    <ul class="tree">${roots.map(node).join("")}</ul>`;
  el.onclick = (e) => {
    const button = e.target.closest("button[data-path]");
    if (button) onSelect(button.dataset.path);
  };
}
