// Sign-in with a hub user; the token lives in sessionStorage (gone when the tab closes).

import { ApiError, api, saveSession, takeNotice } from "./api.js";
import { HOME } from "./roles.js";
import { t } from "./i18n.js";
import { banner, esc } from "./ui.js";

export function mount(main) {
  main.innerHTML = `<form class="panel signin" id="signin">
      <h1>${esc(t("signin.title"))}</h1>
      <label>${esc(t("signin.username"))}<input name="username" autocomplete="username" required autofocus></label>
      <label>${esc(t("signin.password"))}<input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit" class="primary big">${esc(t("signin.submit"))}</button>
    </form>`;
  main.setAttribute("aria-busy", "false");
  const notice = takeNotice();
  if (notice) banner(notice, "error");
  const form = main.querySelector("form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const body = { username: form.elements.username.value.trim(), password: form.elements.password.value };
      const reply = await api("/api/v1/auth/login", { method: "POST", body });
      saveSession(reply.access_token, reply.user);
      location.assign(`/console/${HOME[reply.user.role]}`);
    } catch (error) {
      banner(error instanceof ApiError && error.status === 401 ? t("signin.failed") : error.message, "error");
      button.disabled = false;
    }
  });
}
