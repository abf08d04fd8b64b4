// Which actions a role may take on an alert now, mirroring the hub's lifecycle
// rules (hub/alerts/lifecycle.py) so people only see buttons that can work.
// The hub still decides: a refused action shows the hub's reason.

import { api } from "./api.js";
import { esc, ask } from "./ui.js";
import { t } from "./i18n.js";

const HANDLERS = ["street_officer", "community_officer", "property_security", "admin"];
const OPEN = ["new", "acknowledged", "dispatched"];

const RULES = {
  acknowledge: { from: ["new"], roles: [...HANDLERS, "caregiver"] },
  dispatch: { from: ["acknowledged", "dispatched"], roles: HANDLERS },
  resolve: { from: ["acknowledged", "dispatched"], roles: HANDLERS },
  close: { from: ["resolved"], roles: HANDLERS },
  escalate: { from: OPEN, roles: ["community_officer", "property_security", "admin"], level: "community" },
  hand_back: { from: OPEN, roles: ["street_officer", "admin"], level: "street" },
};

/** Actions ``role`` may take on ``alert`` in its current status and level. */
export function allowedActions(role, alert) {
  return Object.entries(RULES)
    .filter(([, r]) => r.roles.includes(role) && r.from.includes(alert.status))
    .filter(([, r]) => !r.level || r.level === alert.level)
    .map(([name]) => name);
}

function formFor(action) {
  const note = `<label>${esc(t(`note.${action}`))}
      <textarea name="note" rows="3" ${["resolve", "escalate", "hand_back"].includes(action) ? "required" : ""}></textarea></label>`;
  if (action === "dispatch") {
    return `<label>${esc(t("field.assignee"))}<input name="assignee" required maxlength="100"></label>${note}`;
  }
  if (action === "resolve") {
    // 属实 or 误报: the hub counts false alarms per camera and detector from these.
    const choices = ["genuine", "false_alarm"]
      .map((o) => `<label class="outcome"><input type="radio" name="outcome" value="${o}" required> ${esc(t(`outcome.${o}`))}</label>`)
      .join("");
    return `<fieldset><legend>${esc(t("field.outcome"))}</legend>${choices}</fieldset>${note}`;
  }
  if (action === "close") {
    const stars = [5, 4, 3, 2, 1]
      .map((n) => `<label class="sat"><input type="radio" name="satisfaction" value="${n}" required>
          <span>${"★".repeat(n)}</span> ${esc(t(`sat.${n}`))}</label>`)
      .join("");
    return `<fieldset><legend>${esc(t("field.satisfaction"))}</legend>${stars}</fieldset>${note}`;
  }
  return note;
}

/** Ask for what the action needs, send it; resolve to the updated alert or null if cancelled. */
export function runAction(alert, action) {
  // Acknowledging says only "I have seen it": one click, no form, at 3 a.m.
  if (action === "acknowledge") return api(`/api/v1/alerts/${alert.id}/acknowledge`, { method: "POST", body: {} });
  return ask(`${t(`action.${action}`)} · #${alert.id}`, formFor(action), (data) => {
    const body = { note: String(data.get("note") || "") };
    if (data.get("assignee")) body.assignee = String(data.get("assignee"));
    if (data.get("satisfaction")) body.satisfaction = Number(data.get("satisfaction"));
    if (data.get("outcome")) body.outcome = String(data.get("outcome"));
    return api(`/api/v1/alerts/${alert.id}/${action}`, { method: "POST", body });
  });
}
