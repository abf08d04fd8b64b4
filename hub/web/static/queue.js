// The alert queue and the detail of one alert, kept live by the feed.
// Sorted like the hub sorts (most severe first, then oldest), filtered in the
// page so a filter change never waits for the network.

import { api, evidenceUrl, session } from "./api.js";
import { allowedActions, runAction } from "./actions.js";
import { label, t } from "./i18n.js";
import { REQUESTERS, handleReleases, releasesHtml } from "./raw.js";
import { $, ago, banner, beep, clock, esc, showError, when } from "./ui.js";

const RANK = { critical: 0, major: 1, minor: 2, info: 3 };
const CLOSED = "closed";

export function sortAlerts(list) {
  const seen = new Map(list.map((a) => [a.id, Date.parse(a.first_seen)]));
  return list.sort((a, b) => RANK[a.severity] - RANK[b.severity] || seen.get(a.id) - seen.get(b.id) || a.id - b.id);
}

/** The deadline that matters now: acknowledge while new, resolve while being handled. */
export function deadline(alert) {
  if (alert.status === "new") return { kind: "ack", at: alert.ack_due };
  if (alert.status === "acknowledged" || alert.status === "dispatched") return { kind: "resolve", at: alert.resolve_due };
  return null;
}

export function slaText(due, now = Date.now()) {
  const left = Date.parse(due.at) - now;
  return { text: t(left >= 0 ? "sla.left" : "sla.over", { t: clock(left) }), over: left < 0 };
}

/** Place names from the site tree ("一社区 · 1号楼"); ids when the tree is not visible. */
export function placeName(sites, alert) {
  const path = alert.site_path ? alert.site_path.split("/") : [];
  const names = path.slice(1).map((id) => (sites.has(id) ? sites.get(id).name : id));
  return names.join(" · ") || alert.site_id || "—";
}

export class AlertQueue {
  /**
   * ``lists``: the API queries that fill the queue; ``keep(alert)``: whether a
   * changed alert still belongs here (e.g. the street queue keeps street level).
   */
  constructor({ listEl, detailEl, sites, lists, keep = () => true, onUpdate = () => {} }) {
    this.listEl = listEl;
    this.detailEl = detailEl;
    this.sites = sites;
    this.lists = lists;
    this.keep = keep;
    this.onUpdate = onUpdate;
    this.user = session().user;
    this.alerts = new Map();
    this.selected = null;
    this.filter = { severity: "", status: "", level: "", q: "", sitePath: "" };
    this.listEl.addEventListener("click", (e) => this.onListClick(e));
    this.listEl.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.target.dataset.id) this.select(Number(e.target.dataset.id));
    });
    this.detailEl.addEventListener("click", (e) => this.onDetailClick(e));
    setInterval(() => this.tick(), 1000);
  }

  /**
   * Fetch the queue's alerts (without drawing: pages fetch their other data
   * alongside). Merged into what the feed already delivered, unless
   * ``replace``: after a gap in the feed, alerts closed meanwhile must go.
   */
  async fetch(replace = false) {
    const results = await Promise.all(this.lists.map((params) => api("/api/v1/alerts", { params: { limit: 2000, ...params } })));
    if (replace) this.alerts.clear();
    for (const rows of results) for (const a of rows) this.alerts.set(a.id, a);
  }

  async reload() {
    await this.fetch(true);
    this.render();
  }

  /** One change from the feed: update, add or drop the alert; sound the alarm for new critical ones. */
  apply(row) {
    const { change_id: _c, action, actor: _a, at: _at, ...alert } = row;
    if (alert.status === CLOSED || !this.keep(alert)) this.alerts.delete(alert.id);
    else this.alerts.set(alert.id, alert);
    if (action === "raised" && alert.severity === "critical") this.alarm(alert);
    this.render();
    if (this.selected === alert.id) this.showDetail(alert.id);
  }

  alarm(alert) {
    const sounded = beep();
    const text = t("newCritical", { type: label("type", alert.type), site: placeName(this.sites, alert) });
    banner(sounded ? text : `${text}　${t("sound.enable")}`, "alarm");
    this.flash = alert.id;
  }

  visible() {
    const f = this.filter;
    const q = f.q.trim().toLowerCase();
    return sortAlerts(
      [...this.alerts.values()].filter(
        (a) =>
          (!f.severity || a.severity === f.severity) &&
          (!f.status || a.status === f.status) &&
          (!f.level || a.level === f.level) &&
          (!f.sitePath || a.site_path === f.sitePath || (a.site_path || "").startsWith(`${f.sitePath}/`)) &&
          (!q || `${label("type", a.type)} ${a.type} ${placeName(this.sites, a)} ${a.source}`.toLowerCase().includes(q)),
      ),
    );
  }

  rowHtml(a) {
    const due = deadline(a);
    const sla = due ? slaText(due) : null;
    const classes = ["alert", `sev-${a.severity}`, a.id === this.selected ? "selected" : "", a.id === this.flash ? "flash" : ""];
    return `<li class="${classes.join(" ")}" data-id="${a.id}" data-type="${esc(a.type)}" data-status="${a.status}" tabindex="0">
      <span class="sev">${esc(label("sev", a.severity))}</span>
      <span class="what"><b>${esc(label("type", a.type))}</b><small>${esc(placeName(this.sites, a))} · ${esc(a.source)}${a.count > 1 ? ` ×${a.count}` : ""}</small></span>
      <span class="state st-${a.status}">${esc(label("status", a.status))}${a.level === "street" ? ` <em class="lvl">${esc(label("level", "street"))}</em>` : ""}</span>
      <span class="due${sla && sla.over ? " over" : ""}"${due ? ` data-due="${esc(due.at)}" title="${esc(t(`sla.${due.kind}`))}"` : ""}>${sla ? esc(sla.text) : ""}</span>
      <span class="age">${esc(ago(a.first_seen))}</span></li>`;
  }

  render() {
    const rows = this.visible();
    const head = `<p class="count">${esc(t("queue.count", { n: rows.length }))}</p>`;
    this.listEl.innerHTML = rows.length
      ? `${head}<ul class="alerts">${rows.map((a) => this.rowHtml(a)).join("")}</ul>`
      : `${head}<p class="empty">${esc(t("queue.empty"))}</p>`;
    this.onUpdate([...this.alerts.values()]);
  }

  /** Countdowns move every second without rebuilding the list. */
  tick() {
    const now = Date.now();
    for (const el of this.listEl.querySelectorAll("[data-due]")) {
      const sla = slaText({ at: el.dataset.due }, now);
      el.textContent = sla.text;
      el.classList.toggle("over", sla.over);
    }
  }

  onListClick(event) {
    const row = event.target.closest("li[data-id]");
    if (row) this.select(Number(row.dataset.id));
  }

  select(id) {
    this.selected = id;
    for (const el of this.listEl.querySelectorAll("li.selected")) el.classList.remove("selected");
    const row = this.listEl.querySelector(`li[data-id="${id}"]`);
    if (row) row.classList.add("selected");
    this.showDetail(id).then(() => {
      // On a phone the detail sits below the queue: bring it into view.
      if (window.innerWidth < 760) this.detailEl.scrollIntoView({ block: "start" });
    });
  }

  async showDetail(id) {
    let alert;
    try {
      alert = await api(`/api/v1/alerts/${id}`);
    } catch (error) {
      showError(error);
      return;
    }
    if (this.selected !== id) return;
    this.detailEl.innerHTML = detailHtml(alert, this.sites, allowedActions(this.user.role, alert));
    this.detailEl.dataset.alertId = String(id);
    loadEvidence(this.detailEl);
    if (alert.type === "falling_object" && REQUESTERS.includes(this.user.role)) await this.showReleases(alert);
  }

  /** Raw-clip requests of this alert's event, and the button to ask for one. */
  async showReleases(alert) {
    const box = document.createElement("section");
    box.className = "raw-box";
    this.detailEl.append(box);
    const draw = async () => {
      const rows = await api("/api/v1/raw-releases", { params: { event_id: alert.last_event } });
      box.innerHTML = `<h3>${esc(t("raw.title"))}</h3>${releasesHtml(rows)}
        <button type="button" data-raw="request" data-event="${esc(alert.last_event)}">${esc(t("raw.request"))}</button>`;
    };
    handleReleases(box, draw);
    await draw().catch(showError);
  }

  async onDetailClick(event) {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const alert = this.alerts.get(this.selected) || { id: this.selected };
    button.disabled = true;
    try {
      const updated = await runAction(alert, button.dataset.action);
      if (updated) {
        banner(t("action.done", { action: t(`action.${button.dataset.action}`) }), "ok");
        if (updated.status === CLOSED || !this.keep(updated)) this.alerts.delete(updated.id);
        else this.alerts.set(updated.id, { ...alert, ...updated });
        this.render();
        await this.showDetail(updated.id);
      }
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  }
}

function field(key, value) {
  return value === null || value === undefined || value === "" ? "" : `<dt>${esc(t(key))}</dt><dd>${esc(value)}</dd>`;
}

/** A reading as text: a value the console has a word for (fault.moved) in its language. */
function dataValue(key, value) {
  return value !== null && typeof value === "object" ? JSON.stringify(value) : label(key, value);
}

function dataTable(data) {
  const entries = Object.entries(data || {});
  if (!entries.length) return "";
  const rows = entries
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(dataValue(k, v))}</td></tr>`)
    .join("");
  return `<h3>${esc(t("detail.data"))}</h3><table class="kv">${rows}</table>`;
}

function evidenceHtml(refs) {
  const items = (refs || [])
    .map((r) => `<figure class="evidence" data-sha="${esc(r.sha256)}" data-type="${esc(r.media_type)}">
        <div class="placeholder">${esc(t("detail.evidenceMissing"))}</div>
        <figcaption>${esc(r.role)} · ${esc(r.sha256.slice(0, 12))}</figcaption></figure>`)
    .join("");
  return `<h3>${esc(t("detail.evidence"))}</h3>${items ? `<div class="evidence-row">${items}</div>` : `<p class="muted">${esc(t("detail.noEvidence"))}</p>`}`;
}

function timelineHtml(rows) {
  const items = rows
    .map((r) => {
      const d = r.detail || {};
      const fault = d.fault ? label("fault", d.fault) : "";
      const extra = [d.outcome ? t(`outcome.${d.outcome}`) : "", fault, d.assignee, d.note, d.satisfaction ? "★".repeat(d.satisfaction) : ""]
        .filter(Boolean)
        .join(" · ");
      return `<li><time>${esc(when(r.at))}</time><b>${esc(label("action", r.action))}</b>
        <span>${esc(r.actor)}</span>${extra ? `<p>${esc(extra)}</p>` : ""}</li>`;
    })
    .join("");
  return `<h3>${esc(t("detail.timeline"))}</h3><ol class="timeline">${items}</ol>`;
}

export function detailHtml(a, sites, actions) {
  const due = deadline(a);
  const sla = due ? slaText(due) : null;
  const buttons = actions
    .map((name) => `<button type="button" class="act act-${name}" data-action="${name}">${esc(t(`action.${name}`))}</button>`)
    .join("");
  return `<div class="detail-head sev-${a.severity}">
      <span class="sev">${esc(label("sev", a.severity))}</span>
      <h2>${esc(label("type", a.type))} <small>#${a.id}</small></h2>
      <span class="state st-${a.status}">${esc(label("status", a.status))} · ${esc(label("level", a.level))}</span>
    </div>
    ${sla ? `<p class="sla${sla.over ? " over" : ""}">${esc(t(`sla.${due.kind}`))}：${esc(when(due.at))}（${esc(sla.text)}）</p>` : ""}
    <div class="actions">${buttons}</div>
    <dl class="facts">
      ${field("detail.site", placeName(sites, a))}
      ${field("detail.device", `${a.gateway_id} / ${a.device_id}`)}
      ${field("detail.channel", a.channel)}
      ${field("detail.resident", a.resident_id)}
      ${field("detail.count", a.count)}
      ${field("detail.first", when(a.first_seen))}
      ${field("detail.last", when(a.last_seen))}
      ${field("detail.assignee", a.assignee)}
      ${field("detail.outcome", a.outcome ? t(`outcome.${a.outcome}`) : "")}
      ${field("detail.disposition", a.disposition)}
      ${field("detail.instructions", a.instructions)}
      ${field("detail.satisfaction", a.satisfaction ? `${"★".repeat(a.satisfaction)} ${t(`sat.${a.satisfaction}`)}` : "")}
    </dl>
    ${evidenceHtml(a.evidence)}
    ${dataTable(a.data)}
    ${timelineHtml(a.timeline || [])}`;
}

/** Evidence images, fetched with the token; a miss keeps the placeholder. */
export async function loadEvidence(root) {
  for (const fig of root.querySelectorAll("figure.evidence")) {
    if (!fig.dataset.type.startsWith("image/")) continue;
    try {
      const img = document.createElement("img");
      img.alt = fig.dataset.sha;
      img.src = await evidenceUrl(fig.dataset.sha);
      $(".placeholder", fig).replaceWith(img);
    } catch {
      // The placeholder already says the evidence is not available.
    }
  }
}
