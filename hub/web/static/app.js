// Starts a console page: language, who is signed in, and whether this console
// is for their role; then hands the page to its module.

import { applyI18n, label, lang, setLang, t } from "./i18n.js";
import { api, saveSession, session, signOut } from "./api.js";
import { ALLOWED, HOME } from "./roles.js";
import { $, esc, showError } from "./ui.js";

// Tokens last 30 minutes; an open console renews its own every 10, so a duty
// officer is not signed out at 3 a.m. The hub ends renewal 12 h after the
// password was typed: a shift still ends with signing in again.
const RENEW_EVERY_MS = 10 * 60 * 1000;

function keepSignedIn() {
  let last = Date.now();
  const renew = async () => {
    last = Date.now();
    try {
      const reply = await api("/api/v1/auth/refresh", { method: "POST" });
      saveSession(reply.access_token, reply.user);
    } catch {
      // A refused renewal signs out (api does that on 401); a network blip waits for the next turn.
    }
  };
  setInterval(renew, RENEW_EVERY_MS);
  // A laptop that slept missed its turns: renew as soon as it shows the page again.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && Date.now() - last > RENEW_EVERY_MS / 2) renew();
  });
}

async function start() {
  const page = document.body.dataset.page;
  const main = $("#main");
  applyI18n();
  document.title = `${t(`page.${page}`)} · ${t("brand")}`;
  $("#lang").onclick = () => {
    setLang(lang() === "zh" ? "en" : "zh");
    location.reload();
  };
  if (page === "signin") {
    (await import("./signin.js")).mount(main);
    return;
  }
  const current = session();
  if (!current) {
    signOut();
    return;
  }
  const { user } = current;
  $("#who").textContent = `${user.display_name || user.username} · ${label("role", user.role)}`;
  const out = $("#signout");
  out.hidden = false;
  out.onclick = () => signOut();
  keepSignedIn();
  if (!ALLOWED[page].includes(user.role)) {
    main.innerHTML = `<section class="panel notice"><p>${esc(t("err.wrongPage"))}</p>
      <p><a class="primary" href="/console/${HOME[user.role]}">${esc(t("err.goHome"))}</a></p></section>`;
    main.setAttribute("aria-busy", "false");
    return;
  }
  try {
    await (await import(`./${page}.js`)).mount(main, user);
  } catch (error) {
    showError(error);
  }
  main.setAttribute("aria-busy", "false");
}

start();
