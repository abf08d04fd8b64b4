// Starts a console page: language, who is signed in, and whether this console
// is for their role; then hands the page to its module.

import { applyI18n, label, lang, setLang, t } from "./i18n.js";
import { session, signOut } from "./api.js";
import { ALLOWED, HOME } from "./roles.js";
import { $, esc, showError } from "./ui.js";

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
