// 街道值班台: every community of the street at a glance, and what was escalated.

import { api } from "./api.js";
import { barChart } from "./chart.js";
import { t } from "./i18n.js";
import { goLive, markPainted } from "./live.js";
import { AlertQueue } from "./queue.js";
import { handleReleases, releasesHtml } from "./raw.js";
import { $, esc, showError } from "./ui.js";

// Release requests wait for a second person; look for new ones now and then.
const RELEASES_POLL_MS = 15000;

function minutes(value) {
  return value === null || value === undefined ? "—" : Number(value).toFixed(1);
}

function overviewHtml(rows) {
  const body = rows
    .map((r) => `<tr data-community="${esc(r.community_id)}"><th>${esc(r.name)}</th>
        <td class="num">${r.open}</td><td class="num${r.overdue ? " over" : ""}">${r.overdue}</td>
        <td class="num${r.escalated ? " warn" : ""}">${r.escalated}</td>
        <td class="num">${minutes(r.ack_minutes_median)}</td><td class="num">${minutes(r.resolve_minutes_median)}</td></tr>`)
    .join("");
  const head = ["street.community", "street.open", "street.overdue", "street.escalated", "street.ackMin", "street.resolveMin"]
    .map((k, i) => `<th${i ? ' class="num"' : ""}>${esc(t(k))}</th>`)
    .join("");
  return `<table class="grid-table overview"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>
    <h3>${esc(t("street.chart"))}</h3>
    ${barChart(rows.map((r) => ({ name: r.name, values: [r.open, r.overdue] })), [t("street.open"), t("street.overdue")])}`;
}

// Sources whose resolved alerts the duty officers judged 误报, worst first.
const FALSE_ALARM_ROWS = 10;

function falseAlarmsHtml(rows) {
  const worst = rows.filter((r) => r.false_alarm > 0).slice(0, FALSE_ALARM_ROWS);
  if (!worst.length) return `<p class="muted">${esc(t("street.noFalseAlarms"))}</p>`;
  const head = ["street.type", "street.source", "street.resolved", "street.falseAlarms", "street.falseShare"]
    .map((k, i) => `<th${i > 1 ? ' class="num"' : ""}>${esc(t(k))}</th>`)
    .join("");
  const body = worst
    .map((r) => `<tr data-source="${esc(`${r.gateway_id}/${r.device_id}`)}"><th>${esc(t(`type.${r.type}`))}</th>
        <td>${esc(r.gateway_id)} / ${esc(r.device_id)}</td><td class="num">${r.resolved}</td>
        <td class="num warn">${r.false_alarm}</td>
        <td class="num">${r.false_alarm_share === null ? "—" : `${Math.round(r.false_alarm_share * 100)}%`}</td></tr>`)
    .join("");
  return `<table class="grid-table false-alarms"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export async function mount(main) {
  main.innerHTML = `<div class="layout street">
      <section class="panel overview-panel"><h2>${esc(t("street.overview"))}</h2><div id="overview"></div>
        <h3>${esc(t("street.falseAlarmsTitle"))}</h3><div id="false-alarms"></div></section>
      <section class="panel releases-panel"><h2>${esc(t("raw.approvals"))}</h2><div id="releases"></div></section>
      <section class="panel queue-panel"><h2>${esc(t("street.queue"))}</h2><div id="queue"></div></section>
      <section class="panel detail-panel" id="detail"><p class="muted">${esc(t("queue.pick"))}</p></section>
    </div>`;
  const sites = new Map();
  const queue = new AlertQueue({
    listEl: $("#queue"),
    detailEl: $("#detail"),
    sites,
    lists: [
      { status: "open", level: "street" },
      { status: "resolved", level: "street" },
    ],
    keep: (a) => a.level === "street",
  });
  let pending = 0;
  const refresh = async () => {
    try {
      const [overview, outcomes] = await Promise.all([api("/api/v1/supervision"), api("/api/v1/alerts/outcomes")]);
      $("#overview").innerHTML = overviewHtml(overview);
      $("#false-alarms").innerHTML = falseAlarmsHtml(outcomes);
    } catch (error) {
      showError(error);
    }
  };
  goLive(
    (row) => {
      queue.apply(row);
      // Many changes arrive in bursts; recount once the burst is over.
      clearTimeout(pending);
      pending = setTimeout(refresh, 1000);
    },
    () => Promise.all([queue.reload(), refresh()]),
  );
  const releases = async () => {
    $("#releases").innerHTML = releasesHtml(await api("/api/v1/raw-releases", { params: {} }));
  };
  handleReleases($("#releases"), releases);
  const poll = () => releases().catch(showError).finally(() => setTimeout(poll, RELEASES_POLL_MS));
  const [siteRows] = await Promise.all([api("/api/v1/sites"), queue.fetch(), refresh(), releases()]);
  setTimeout(poll, RELEASES_POLL_MS);
  for (const s of siteRows) sites.set(s.id, s);
  queue.render();
  markPainted();
}
