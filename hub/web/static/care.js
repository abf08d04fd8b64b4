// 照护人: alerts of the residents assigned to me, to acknowledge from a phone,
// and their latest readings with a 24-hour chart of any of them.

import { api } from "./api.js";
import { lineChart } from "./chart.js";
import { t } from "./i18n.js";
import { goLive, markPainted } from "./live.js";
import { AlertQueue } from "./queue.js";
import { $, esc, showError, when } from "./ui.js";

function residentHtml(r) {
  const latest = (r.latest || [])
    .map((v) => `<li><button type="button" class="reading" data-resident="${esc(r.id)}" data-metric="${esc(v.metric)}">
        <small>${esc(v.metric)}</small> <b>${esc(Number(v.value).toFixed(1))}</b> <time>${esc(when(v.time))}</time></button></li>`)
    .join("");
  return `<article class="resident"><h3>${esc(r.name)} <small>${esc(t("care.resident", { id: r.id }))}</small></h3>
      <p>${esc(t("care.alerts"))}：<b class="${r.open_alerts ? "warn" : ""}">${esc(r.open_alerts)}</b></p>
      <h4>${esc(t("care.latest"))}</h4>${latest ? `<ul class="latest">${latest}</ul>` : `<p class="muted">${esc(t("care.noReadings"))}</p>`}
      <div class="vitals" data-for="${esc(r.id)}"></div></article>`;
}

async function showVitals(root, residentId, metric) {
  const rows = await api(`/api/v1/care/residents/${encodeURIComponent(residentId)}/vitals`, { params: { metric, bucket: "5m" } });
  const el = root.querySelector(`.vitals[data-for="${CSS.escape(residentId)}"]`);
  const points = rows.map((r) => [Date.parse(r.bucket), r.avg]);
  el.innerHTML = lineChart([{ name: metric, points }], { title: metric });
}

export async function mount(main) {
  main.innerHTML = `<div class="layout care">
      <section class="panel queue-panel"><h2>${esc(t("care.alerts"))}</h2><div id="queue"></div></section>
      <section class="panel detail-panel" id="detail"></section>
      <section class="panel"><h2>${esc(t("care.title"))}</h2><div id="residents"></div></section>
    </div>`;
  const queue = new AlertQueue({
    listEl: $("#queue"),
    detailEl: $("#detail"),
    sites: new Map(),
    lists: [{ status: "open" }],
    keep: (a) => a.status !== "resolved",
  });
  goLive((row) => queue.apply(row), () => queue.reload());
  await queue.fetch();
  queue.render();
  markPainted();
  const residents = await api("/api/v1/care/residents");
  const detailed = await Promise.all(
    residents.map((r) => api(`/api/v1/care/residents/${encodeURIComponent(r.id)}/latest`).then((d) => ({ ...r, ...d }))),
  );
  const box = $("#residents");
  box.innerHTML = detailed.length ? detailed.map(residentHtml).join("") : `<p class="muted">${esc(t("care.noResidents"))}</p>`;
  box.onclick = (event) => {
    const button = event.target.closest("button.reading");
    if (button) showVitals(box, button.dataset.resident, button.dataset.metric).catch(showError);
  };
  const first = detailed.find((r) => (r.latest || []).length);
  if (first) await showVitals(box, first.id, first.latest[0].metric);
}
