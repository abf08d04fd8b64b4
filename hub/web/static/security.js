// 物业安防值班台: gateway and camera health, readings, gate log, barrier and
// valve commands (always behind a confirmation), and the alert queue.

import { api } from "./api.js";
import { lineChart } from "./chart.js";
import { t } from "./i18n.js";
import { goLive, markPainted } from "./live.js";
import { AlertQueue } from "./queue.js";
import { $, ago, ask, banner, esc, showError, when } from "./ui.js";

const COMMANDS = ["barrier.open", "barrier.close", "valve.close", "valve.open"];
// Source statistics people act on; the rest stay in the tooltip.
const KEY_STATS = /(fps|skipped|dropped|drops|inference_ms)$/;

function statsHtml(health) {
  if (!health) return `<p class="muted">${esc(t("sec.noHealth"))}</p>`;
  const stats = Object.entries(health.stats || {});
  const key = stats.filter(([k]) => KEY_STATS.test(k));
  const cells = (key.length ? key : stats)
    .map(([k, v]) => `<span class="stat${/(skipped|dropped|drops)$/.test(k) && v > 0 ? " warn" : ""}"><small>${esc(k)}</small>${esc(v)}</span>`)
    .join("");
  return `<div class="stats" title="${esc(stats.map(([k, v]) => `${k}=${v}`).join("\n"))}">
      <span class="stat"><small>${esc(t("sec.outbox"))}</small>${esc(health.outbox_depth)}</span>${cells}</div>`;
}

function gatewayHtml(g) {
  const status = g.status === "online" || g.status === "offline" ? g.status : "unknown";
  return `<button type="button" class="gateway gw-${status}" data-gw="${esc(g.id)}">
      <span class="dot"></span><b>${esc(g.name || g.id)}</b> <small>${g.name && g.name !== g.id ? esc(g.id) : ""}</small>
      <span class="gw-status">${esc(t(`sec.${status}`))}</span>
      <small class="muted">${esc(t("sec.lastSeen"))}：${g.last_seen ? esc(ago(g.last_seen)) : "—"}</small>
      ${statsHtml(g.health)}</button>`;
}

async function showTelemetry(el, gatewayId) {
  const rows = await api("/api/v1/telemetry", { params: { gateway_id: gatewayId, bucket: "5m" } });
  const series = new Map();
  for (const r of rows) {
    const name = `${r.device_id} ${r.metric}`;
    if (!series.has(name)) series.set(name, []);
    series.get(name).push([Date.parse(r.bucket), r.avg]);
  }
  const list = [...series.entries()].slice(0, 6).map(([name, points]) => ({ name, points }));
  el.innerHTML = `<h3>${esc(t("sec.telemetry", { gw: gatewayId }))}</h3>${
    list.length ? lineChart(list, { title: gatewayId }) : `<p class="empty">${esc(t("sec.noTelemetry"))}</p>`
  }`;
}

function gateLogHtml(events) {
  if (!events.length) return `<p class="empty">${esc(t("sec.noGatelog"))}</p>`;
  const rows = events
    .map((e) => `<tr><td>${esc(when(e.observed_at))}</td><td>${esc(e.gateway_id)} / ${esc(e.device_id)}</td>
        <td class="plate">${esc(e.data.plate ?? e.data.plate_masked ?? "—")}</td><td>${esc(e.data.direction ?? "—")}</td></tr>`)
    .join("");
  const head = ["sec.time", "sec.gate", "sec.plate", "sec.direction"].map((k) => `<th>${esc(t(k))}</th>`).join("");
  return `<table class="grid-table"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function commandForm(el, gateways) {
  const gwOptions = gateways.map((g) => `<option value="${esc(g.id)}">${esc(g.name || g.id)} (${esc(g.id)})</option>`).join("");
  const cmdOptions = COMMANDS.map((c) => `<option value="${c}">${esc(t(`cmd.${c}`))}</option>`).join("");
  el.innerHTML = `<form class="command">
      <label>${esc(t("sec.gateway"))}<select name="gateway">${gwOptions}</select></label>
      <label>${esc(t("sec.command"))}<select name="name">${cmdOptions}</select></label>
      <label>${esc(t("sec.device"))}<input name="device" required pattern="[A-Za-z0-9][A-Za-z0-9._:-]{0,127}"></label>
      <button type="submit" class="primary">${esc(t("sec.send"))}</button></form>`;
  const form = $("form", el);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const gw = form.elements.gateway.value;
    const name = form.elements.name.value;
    const device = form.elements.device.value.trim();
    const question = `<p class="confirm-text">${esc(t("sec.confirm", { gw, dev: device, cmd: t(`cmd.${name}`) }))}</p>`;
    const sent = await ask(t(`cmd.${name}`), question, () =>
      api(`/api/v1/gateways/${encodeURIComponent(gw)}/commands`, { method: "POST", body: { name, device_id: device } }),
    );
    if (sent) banner(t("sec.sent", { status: sent.status }), "ok");
  });
}

export async function mount(main) {
  main.innerHTML = `<div class="layout security">
      <section class="panel"><h2>${esc(t("sec.gateways"))}</h2><div id="gateways" class="gateways"></div>
        <div id="telemetry"><p class="muted">${esc(t("sec.pickGateway"))}</p></div></section>
      <section class="panel"><h2>${esc(t("sec.commands"))}</h2><div id="commands"></div>
        <h2>${esc(t("sec.gatelog"))}</h2><div id="gatelog"></div></section>
      <section class="panel queue-panel"><h2>${esc(t("queue.title"))}</h2><div id="queue"></div></section>
      <section class="panel detail-panel" id="detail"><p class="muted">${esc(t("queue.pick"))}</p></section>
    </div>`;
  const sites = new Map();
  const queue = new AlertQueue({
    listEl: $("#queue"),
    detailEl: $("#detail"),
    sites,
    lists: [{ status: "open" }, { status: "resolved" }],
  });
  goLive((row) => queue.apply(row), () => queue.reload());
  const [siteRows, gateways, passes] = await Promise.all([
    api("/api/v1/sites"),
    api("/api/v1/gateways"),
    api("/api/v1/events", { params: { type: "vehicle_pass", limit: 50 } }),
    queue.fetch(),
  ]);
  for (const s of siteRows) sites.set(s.id, s);
  queue.render();
  markPainted();
  $("#gateways").innerHTML = gateways.length
    ? gateways.map(gatewayHtml).join("")
    : `<p class="empty">${esc(t("sec.noGateways"))}</p>`;
  $("#gateways").onclick = (event) => {
    const card = event.target.closest("button[data-gw]");
    if (card) showTelemetry($("#telemetry"), card.dataset.gw).catch(showError);
  };
  $("#gatelog").innerHTML = gateLogHtml(passes);
  commandForm($("#commands"), gateways);
  if (gateways.length) await showTelemetry($("#telemetry"), gateways[0].id);
}
