// 社区值班台: the community's live queue, site tree and alert handling.

import { api } from "./api.js";
import { filterBar } from "./filters.js";
import { t } from "./i18n.js";
import { goLive, markPainted } from "./live.js";
import { AlertQueue } from "./queue.js";
import { renderTree } from "./tree.js";
import { $, esc } from "./ui.js";

export async function mount(main) {
  main.innerHTML = `<div class="layout duty">
      <aside class="panel tree-panel" id="tree"></aside>
      <section class="panel queue-panel"><h2>${esc(t("queue.title"))}</h2><div id="filters"></div><div id="queue"></div></section>
      <section class="panel detail-panel" id="detail"><p class="muted">${esc(t("queue.pick"))}</p></section>
    </div>`;
  const sites = new Map();
  let siteRows = [];
  const queue = new AlertQueue({
    listEl: $("#queue"),
    detailEl: $("#detail"),
    sites,
    lists: [{ status: "open" }, { status: "resolved" }],
    onUpdate: (alerts) => drawTree(alerts),
  });
  const drawTree = (alerts) =>
    renderTree($("#tree"), siteRows, alerts, queue.filter.sitePath, (path) => {
      queue.filter.sitePath = path;
      queue.render();
    });
  filterBar($("#filters"), queue);
  // The feed opens before the first load so no change falls between the two.
  goLive((row) => queue.apply(row), () => queue.reload());
  const [rows] = await Promise.all([api("/api/v1/sites"), queue.fetch()]);
  siteRows = rows;
  for (const s of rows) sites.set(s.id, s);
  queue.render();
  markPainted();
}
