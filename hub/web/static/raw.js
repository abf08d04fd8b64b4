// 原始视频调取: ask for an event's raw clip (with a reason), a second person
// approves or rejects, and only those two may watch it once delivered. The
// hub enforces all of it (docs/alerting.md); these are the buttons.

import { api, evidenceUrl, session } from "./api.js";
import { t } from "./i18n.js";
import { ask, banner, esc, showError, when } from "./ui.js";

export const REQUESTERS = ["admin", "community_officer", "street_officer"];
const APPROVERS = ["admin", "street_officer"];

function rowHtml(r, user) {
  const mine = user.username === r.requested_by || user.username === r.decided_by;
  const decide = r.status === "pending" && APPROVERS.includes(user.role) && user.username !== r.requested_by;
  const buttons = [
    decide ? `<button type="button" class="primary" data-raw="approve" data-id="${r.id}">${esc(t("raw.approve"))}</button>` : "",
    decide ? `<button type="button" class="ghost" data-raw="reject" data-id="${r.id}">${esc(t("raw.reject"))}</button>` : "",
    r.sha256 && mine ? `<button type="button" data-raw="view" data-sha="${esc(r.sha256)}">${esc(t("raw.view"))}</button>` : "",
  ].join("");
  const state = r.sha256 ? t("raw.delivered") : r.status === "approved" && r.command_status !== "done" ? t("raw.sending", { status: r.command_status ?? "sent" }) : t(`raw.${r.status}`);
  return `<li class="raw-${esc(r.status)}" data-release="${r.id}"><b>#${r.id} ${esc(state)}</b>
      <span>${esc(r.requested_by)} · ${esc(when(r.requested_at))}：${esc(r.reason)}</span>
      ${r.decided_by ? `<span class="muted">${esc(t("raw.decidedBy", { who: r.decided_by }))}${r.note ? `：${esc(r.note)}` : ""}</span>` : ""}
      ${r.command_status === "rejected" || r.command_status === "failed" ? `<span class="over">${esc(r.command_detail)}</span>` : ""}
      <div class="row">${buttons}</div></li>`;
}

/** A list of release requests with the buttons the signed-in user may use. */
export function releasesHtml(rows) {
  const user = session().user;
  if (!rows.length) return `<p class="empty">${esc(t("raw.none"))}</p>`;
  return `<ul class="releases">${rows.map((r) => rowHtml(r, user)).join("")}</ul>`;
}

async function watch(sha) {
  let url;
  try {
    url = await evidenceUrl(sha);
  } catch (error) {
    throw new Error(t("raw.cannotView", { status: error.status }));
  }
  await ask(t("raw.view"), `<video class="raw-video" controls autoplay src="${url}"></video><p class="muted">${esc(t("raw.audited"))}</p>`, () => true);
  URL.revokeObjectURL(url);
}

/** Handle the request/approve/reject/view buttons inside ``root``; ``changed`` redraws. */
export function handleReleases(root, changed) {
  root.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-raw]");
    if (!button) return;
    const { raw, id, sha, event: eventId } = button.dataset;
    try {
      if (raw === "view") return await watch(sha);
      let done = null;
      if (raw === "request") {
        done = await ask(t("raw.request"), `<p class="confirm-text">${esc(t("raw.requestText"))}</p>
            <label>${esc(t("raw.reason"))}<textarea name="reason" rows="3" required minlength="10" maxlength="500"></textarea></label>`,
          (data) => api("/api/v1/raw-releases", { method: "POST", body: { event_id: eventId, reason: String(data.get("reason")) } }));
      } else {
        const approve = raw === "approve";
        done = await ask(t(approve ? "raw.approve" : "raw.reject"), `<p class="confirm-text">${esc(t(approve ? "raw.approveText" : "raw.rejectText", { id }))}</p>
            <label>${esc(t("raw.note"))}<input name="note" maxlength="500"></label>`,
          (data) => api(`/api/v1/raw-releases/${id}/decision`, { method: "POST", body: { approve, note: String(data.get("note") || "") } }));
      }
      if (done) {
        banner(t("raw.saved", { status: t(`raw.${done.status}`) }), "ok");
        await changed();
      }
    } catch (error) {
      showError(error);
    }
  });
}
