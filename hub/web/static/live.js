// Wires a page to the live feed and shows whether it is connected.

import { openFeed } from "./api.js";
import { t } from "./i18n.js";
import { $, unlockSound } from "./ui.js";

/** Start the feed, delivering each change to every handler in ``handlers``. */
export function goLive(...handlers) {
  unlockSound();
  const indicator = $("#live");
  indicator.hidden = false;
  const show = (on) => {
    indicator.textContent = t(on ? "live.on" : "live.off");
    indicator.classList.toggle("on", on);
  };
  show(false);
  return openFeed((row) => handlers.forEach((h) => h(row)), show);
}

/** Mark when the queue first became visible, for the paint-time figure (bench/consoles.py). */
export function markPainted() {
  requestAnimationFrame(() => performance.mark("sc:queue-painted"));
}
