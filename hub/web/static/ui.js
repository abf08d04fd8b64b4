// Small DOM helpers shared by the consoles: escaping, times, banners, dialogs, sound.

import { lang, t } from "./i18n.js";

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe to put inside HTML (everything from the API goes through this). */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** "3 分" / "2 h": the largest unit that is at least one. */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t("unit.s", { n: s });
  if (s < 3600) return t("unit.m", { n: Math.floor(s / 60) });
  if (s < 86400) return t("unit.h", { n: Math.floor(s / 3600) });
  return t("unit.d", { n: Math.floor(s / 86400) });
}

/** A clock countdown, "12:05" or "1:02:03", for SLA deadlines. */
export function clock(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  const sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${m}:${sec}` : `${m}:${sec}`;
}

export function when(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { hour12: false });
}

export function ago(iso) {
  return t("time.ago", { t: duration(Date.now() - Date.parse(iso)) });
}

let bannerTimer = 0;

/** A message across the top: ``kind`` is error, ok or alarm. Errors stay until replaced. */
export function banner(text, kind = "error") {
  const el = $("#banner");
  el.textContent = text;
  el.className = `banner ${kind}`;
  el.hidden = false;
  clearTimeout(bannerTimer);
  if (kind === "ok") bannerTimer = setTimeout(() => (el.hidden = true), 4000);
}

/** Show an error the way the user should see it (401 already went back to sign-in). */
export function showError(error) {
  banner(error.message || String(error), "error");
}

/**
 * A modal form in the page's <dialog>. ``html`` is the form body; resolves
 * to the FormData on confirm, or null on cancel. ``submit`` may throw to keep
 * the dialog open with the error shown.
 */
export function ask(title, html, submit) {
  const dialog = $("#dialog");
  dialog.innerHTML = `<form method="dialog" class="ask">
      <h2>${esc(title)}</h2>${html}
      <p class="ask-error" role="alert" hidden></p>
      <div class="row end">
        <button type="button" value="cancel" class="ghost">${esc(t("action.cancel"))}</button>
        <button type="submit" value="ok" class="primary">${esc(t("action.confirm"))}</button>
      </div></form>`;
  const form = $("form", dialog);
  const error = $(".ask-error", dialog);
  return new Promise((resolve) => {
    $("button[value=cancel]", form).onclick = () => {
      dialog.close();
      resolve(null);
    };
    form.onsubmit = async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      try {
        const result = await submit(data);
        dialog.close();
        resolve(result);
      } catch (err) {
        error.textContent = err.message || String(err);
        error.hidden = false;
      }
    };
    dialog.showModal();
    const first = $("textarea, input, select", form);
    if (first) first.focus();
  });
}

let audio = null;

/**
 * Two short tones from WebAudio (no sound file to ship). Browsers start audio
 * only after a click on the page, so the first click anywhere unlocks it.
 */
export function beep() {
  if (!audio) audio = new AudioContext();
  if (audio.state !== "running") return false;
  const start = audio.currentTime;
  for (const [offset, freq] of [[0, 880], [0.25, 660], [0.5, 880]]) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.25, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.2);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + offset);
    osc.stop(start + offset + 0.2);
  }
  return true;
}

export function unlockSound() {
  const unlock = () => {
    if (!audio) audio = new AudioContext();
    audio.resume();
  };
  document.addEventListener("click", unlock, { once: true });
}
