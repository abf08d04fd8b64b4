// 物业安防值班台: vehicles held at the gate waiting for the guard (放行 / 不放行),
// gateway and camera health, readings, gate log, barrier and valve commands
// (always behind a confirmation), and the alert queue.

import { api } from "./api.js";
import { lineChart } from "./chart.js";
import { t } from "./i18n.js";
import { goLive, markPainted } from "./live.js";
import { AlertQueue, loadEvidence } from "./queue.js";
import { $, ago, ask, banner, beep, esc, showError, when } from "./ui.js";

const COMMANDS = ["barrier.open", "barrier.close", "valve.close", "valve.open"];
// Source statistics people act on; the rest stay in the tooltip.
const KEY_STATS = /(fps|skipped|dropped|drops|inference_ms|view_faults|read_faults)$/;
// Counters that should be 0: highlighted when they are not.
const WARN_STATS = /(skipped|dropped|drops|view_faults|read_faults)$/;
// Held vehicles wait at the barrier: look for new ones every few seconds.
const GATE_POLL_MS = 3000;
const WAITING_WINDOW_MS = 30 * 60 * 1000;

function statsHtml(health) {
  if (!health) return `<p class="muted">${esc(t("sec.noHealth"))}</p>`;
  const stats = Object.entries(health.stats || {});
  const key = stats.filter(([k]) => KEY_STATS.test(k));
  const cells = (key.length ? key : stats)
    .map(([k, v]) => `<span class="stat${WARN_STATS.test(k) && v > 0 ? " warn" : ""}"><small>${esc(k)}</small>${esc(v)}</span>`)
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

function gateLogHtml(passes) {
  if (!passes.length) return `<p class="empty">${esc(t("sec.noGatelog"))}</p>`;
  const rows = passes
    .map((p) => `<tr class="dec-${esc(p.decision)}"><td>${esc(when(p.observed_at))}</td>
        <td>${esc(p.gateway_id)} / ${esc(p.device_id)}</td><td class="plate">${esc(p.plate_masked ?? "—")}</td>
        <td>${esc(p.direction ? t(`gate.dir.${p.direction}`) : "—")}</td><td>${esc(t(`gate.${p.decision}`))}${p.answer ? ` → ${esc(t(`gate.answer.${p.answer}`))}（${esc(p.answered_by)}）` : ""}</td></tr>`)
    .join("");
  const head = ["sec.time", "sec.gate", "sec.plate", "sec.direction", "sec.decision"].map((k) => `<th>${esc(t(k))}</th>`).join("");
  return `<table class="grid-table"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function waitingHtml(held) {
  if (!held.length) return `<p class="empty">${esc(t("gate.noneWaiting"))}</p>`;
  return held
    .map((p) => {
      const snapshot = (p.evidence || []).find((r) => r.media_type.startsWith("image/"));
      return `<article class="held" data-id="${esc(p.message_id)}">
        <div><b class="plate">${esc(p.plate_masked ?? t("gate.unreadable"))}</b>
          <span>${esc(p.gateway_id)} · ${esc(t("gate.lane", { lane: p.lane ?? "—" }))} · ${esc(t(`gate.reason.${p.reason}`))}</span>
          <small class="muted">${esc(ago(p.observed_at))}</small></div>
        ${snapshot ? `<figure class="evidence" data-sha="${esc(snapshot.sha256)}" data-type="${esc(snapshot.media_type)}"><div class="placeholder">${esc(t("detail.evidenceMissing"))}</div></figure>` : ""}
        <div class="row"><button type="button" class="primary" data-open="1">${esc(t("gate.open"))}</button>
          <button type="button" class="ghost" data-open="0">${esc(t("gate.refuse"))}</button></div></article>`;
    })
    .join("");
}

/** Held vehicles and the gate log, refreshed every few seconds; a new held vehicle beeps. */
function watchGate() {
  let known = null;
  const refresh = async () => {
    const start = new Date(Date.now() - WAITING_WINDOW_MS).toISOString();
    const [held, passes] = await Promise.all([
      api("/api/v1/gate/log", { params: { waiting: "true", start, limit: 20 } }),
      api("/api/v1/gate/log", { params: { limit: 50 } }),
    ]);
    const ids = new Set(held.map((p) => p.message_id));
    if (known && held.some((p) => !known.has(p.message_id))) beep();
    if (!known || ids.size !== known.size || [...ids].some((id) => !known.has(id))) {
      $("#waiting").innerHTML = waitingHtml(held);
      loadEvidence($("#waiting"));
    }
    known = ids;
    $("#gatelog").innerHTML = gateLogHtml(passes);
  };
  $("#waiting").onclick = async (event) => {
    const button = event.target.closest("button[data-open]");
    if (!button) return;
    const card = button.closest("article.held");
    const open = button.dataset.open === "1";
    const title = t(open ? "gate.open" : "gate.refuse");
    const question = `<p class="confirm-text">${esc(t(open ? "gate.confirmOpen" : "gate.confirmRefuse", { plate: $(".plate", card).textContent }))}</p>
      <label>${esc(t("gate.note"))}<input name="note" maxlength="200"></label>`;
    const done = await ask(title, question, (data) =>
      api(`/api/v1/gate/passes/${encodeURIComponent(card.dataset.id)}/answer`, {
        method: "POST",
        body: { open, note: String(data.get("note") || "") },
      }),
    );
    if (done) {
      banner(t(open ? "gate.opened" : "gate.refused"), "ok");
      await refresh();
    }
  };
  const tick = () => refresh().catch(showError).finally(() => setTimeout(tick, GATE_POLL_MS));
  return refresh().then(() => setTimeout(tick, GATE_POLL_MS));
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
      <section class="panel"><h2>${esc(t("gate.waiting"))}</h2><div id="waiting" class="waiting"></div>
        <h2>${esc(t("sec.commands"))}</h2><div id="commands"></div>
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
  const [siteRows, gateways] = await Promise.all([api("/api/v1/sites"), api("/api/v1/gateways"), queue.fetch()]);
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
  await watchGate();
  commandForm($("#commands"), gateways);
  if (gateways.length) await showTelemetry($("#telemetry"), gateways[0].id);
}
