// Talking to the hub: the session token (sessionStorage, so it dies with the
// tab), JSON calls that turn 401/403 into clear messages, and the live feed.

import { t } from "./i18n.js";

const TOKEN = "sc.token";
const USER = "sc.user";
const NOTICE = "sc.notice";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function session() {
  const token = sessionStorage.getItem(TOKEN);
  const user = sessionStorage.getItem(USER);
  return token && user ? { token, user: JSON.parse(user) } : null;
}

export function saveSession(token, user) {
  sessionStorage.setItem(TOKEN, token);
  sessionStorage.setItem(USER, JSON.stringify(user));
}

/** Forget the token and go to sign-in, leaving a message for the sign-in page to show. */
export function signOut(notice = "") {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(USER);
  if (notice) sessionStorage.setItem(NOTICE, notice);
  location.assign("/console/");
}

/** The message left by signOut, shown once. */
export function takeNotice() {
  const notice = sessionStorage.getItem(NOTICE);
  sessionStorage.removeItem(NOTICE);
  return notice;
}

function detailOf(body) {
  if (!body || body.detail === undefined) return "";
  if (typeof body.detail === "string") return body.detail;
  // FastAPI validation errors: a list of {loc, msg}.
  return body.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
}

/** Call the API as the signed-in user; resolve to the JSON body or throw ApiError. */
export async function api(path, { method = "GET", body, params } = {}) {
  const current = session();
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = { Accept: "application/json" };
  if (current) headers.Authorization = `Bearer ${current.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, t("err.network"));
  }
  const data = await response.json().catch(() => null);
  if (response.status === 401 && current) {
    signOut(t("signin.expired"));
    throw new ApiError(401, t("signin.expired"));
  }
  if (response.status === 403) throw new ApiError(403, `${t("err.forbidden")}（${detailOf(data)}）`);
  if (!response.ok) throw new ApiError(response.status, detailOf(data) || `${t("err.generic")} (HTTP ${response.status})`);
  return data;
}

/**
 * An evidence object as a blob: URL (an <img> or <video> src cannot carry the
 * token). Throws ApiError with the status when the hub refuses it.
 */
export async function evidenceUrl(sha256) {
  const current = session();
  const response = await fetch(`/api/v1/evidence/${sha256}`, {
    headers: current ? { Authorization: `Bearer ${current.token}` } : {},
  });
  if (!response.ok) throw new ApiError(response.status, `HTTP ${response.status}`);
  return URL.createObjectURL(await response.blob());
}

/**
 * The live alert feed. Calls ``onChange(row)`` for every alert change and
 * ``onState(live)`` when the connection comes or goes; reconnects with
 * jittered, capped backoff and resumes after the last change seen, so nothing
 * is missed while the network was away. A reconnect before any change was
 * seen has nothing to resume from, so ``onGap()`` asks the page to reload.
 */
export function openFeed(onChange, onState, onGap) {
  let after = null;
  let delay = 500;
  let socket = null;
  let stopped = false;
  let opened = false;
  const connect = () => {
    const current = session();
    if (!current || stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ token: current.token });
    if (after !== null) query.set("after", String(after));
    socket = new WebSocket(`${scheme}://${location.host}/api/v1/alerts/feed?${query}`);
    socket.onopen = () => {
      delay = 500;
      onState(true);
      if (opened && after === null) onGap();
      opened = true;
    };
    socket.onmessage = (message) => {
      const row = JSON.parse(message.data);
      after = row.change_id;
      onChange(row);
    };
    socket.onclose = (event) => {
      onState(false);
      if (event.code === 4401) {
        signOut(t("signin.expired"));
        return;
      }
      if (stopped) return;
      const wait = Math.min(15000, delay) * (0.5 + Math.random() / 2);
      delay *= 2;
      setTimeout(connect, wait);
    };
  };
  connect();
  return () => {
    stopped = true;
    if (socket) socket.close();
  };
}
