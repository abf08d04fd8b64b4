// Wires a page to the live feed and shows whether it is connected.

import { openFeed } from "./api.js";
import { t } from "./i18n.js";
import { $, unlockSound } from "./ui.js";

/** Start the feed: ``onChange(row)`` per change, ``onGap()`` when changes may have been missed. */
export function goLive(onChange, onGap) {
  unlockSound();
  const indicator = $("#live");
  indicator.hidden = false;
  const show = (on) => {
    indicator.textContent = t(on ? "live.on" : "live.off");
    indicator.classList.toggle("on", on);
  };
  show(false);
  return openFeed(onChange, show, onGap);
}

/** Mark when the queue first became visible, for the paint-time figure (bench/consoles.py). */
export function markPainted() {
  requestAnimationFrame(() => performance.mark("sc:queue-painted"));
}
