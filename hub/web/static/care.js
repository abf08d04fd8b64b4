// 照护人: alerts of the residents assigned to me, to acknowledge from a phone,
// and their latest readings. Vitals charts wait for the caregiver chart view.

import { api } from "./api.js";
import { t } from "./i18n.js";
import { goLive, markPainted } from "./live.js";
import { AlertQueue } from "./queue.js";
import { $, esc, when } from "./ui.js";

function residentHtml(r) {
  const latest = (r.latest || [])
    .map((v) => `<li><small>${esc(v.metric)}</small> <b>${esc(Number(v.value).toFixed(1))}</b> <time>${esc(when(v.time))}</time></li>`)
    .join("");
  return `<article class="resident"><h3>${esc(r.name)} <small>${esc(t("care.resident", { id: r.id }))}</small></h3>
      <p>${esc(t("care.alerts"))}：<b class="${r.open_alerts ? "warn" : ""}">${esc(r.open_alerts)}</b></p>
      <h4>${esc(t("care.latest"))}</h4>${latest ? `<ul class="latest">${latest}</ul>` : `<p class="muted">${esc(t("care.noReadings"))}</p>`}</article>`;
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
  goLive((row) => queue.apply(row));
  await queue.load();
  markPainted();
  const residents = await api("/api/v1/care/residents");
  const detailed = await Promise.all(residents.map((r) => api(`/api/v1/care/residents/${encodeURIComponent(r.id)}/latest`).then((d) => ({ ...r, ...d }))));
  $("#residents").innerHTML = detailed.length ? detailed.map(residentHtml).join("") : `<p class="muted">${esc(t("care.noResidents"))}</p>`;
}
