// Line and bar charts drawn as inline SVG: no chart library to vendor, crisp
// at any size, and readable by tests and screen readers.

import { esc } from "./ui.js";

const COLOURS = ["#4fc3f7", "#f5a524", "#81c784", "#e57373", "#ba68c8", "#fff176"];
const W = 640;
const H = 220;
const PAD = { l: 56, r: 12, t: 12, b: 28 };

function ticks(min, max, n = 4) {
  const step = (max - min) / n || 1;
  return Array.from({ length: n + 1 }, (_, i) => min + i * step);
}

function fmt(v) {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(3);
}

/**
 * ``series``: [{name, points: [[timeMs, value], ...]}]. Returns the SVG markup
 * (min/avg bands are left out on purpose: at night one clear line reads best).
 */
export function lineChart(series, { title = "" } = {}) {
  const all = series.flatMap((s) => s.points);
  if (!all.length) return "";
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) || 1];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x) => PAD.l + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.l - PAD.r);
  const sy = (y) => H - PAD.b - ((y - y0) / (y1 - y0)) * (H - PAD.t - PAD.b);
  const grid = ticks(y0, y1)
    .map((v) => `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${sy(v)}" y2="${sy(v)}" class="grid"/>
      <text x="${PAD.l - 6}" y="${sy(v) + 4}" text-anchor="end">${fmt(v)}</text>`)
    .join("");
  const anchors = ["start", "middle", "middle", "end"];
  const xl = ticks(x0, x1, 3)
    .map((x, i) => `<text x="${sx(x)}" y="${H - 8}" text-anchor="${anchors[i]}">${new Date(x).toTimeString().slice(0, 5)}</text>`)
    .join("");
  const lines = series
    .map((s, i) => {
      const d = s.points.map((p, j) => `${j ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
      return `<path d="${d}" fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="2.5"><title>${esc(s.name)}</title></path>`;
    })
    .join("");
  const legend = series
    .map((s, i) => `<span class="key"><i class="swatch c${i % COLOURS.length}"></i>${esc(s.name)}</span>`)
    .join("");
  return `<figure class="chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">${grid}${xl}${lines}</svg>
    <figcaption>${legend}</figcaption></figure>`;
}

/** Horizontal grouped bars: ``rows`` [{name, values: [a, b]}], ``keys`` the value names. */
export function barChart(rows, keys) {
  // Wider than the line chart's box so labels keep their size across a full-width panel.
  const W = 1100;
  const max = Math.max(1, ...rows.flatMap((r) => r.values));
  const rowH = 34;
  const height = rows.length * rowH + 8;
  const labelW = 120;
  const bars = rows
    .map((r, i) => {
      const y = i * rowH + 4;
      const parts = r.values
        .map((v, k) => {
          const w = ((W - labelW - 48) * v) / max;
          return `<rect x="${labelW}" y="${y + k * 14}" width="${Math.max(w, 1)}" height="12" class="bar b${k}"/>
            <text x="${labelW + w + 6}" y="${y + k * 14 + 11}">${v}</text>`;
        })
        .join("");
      return `<text x="${labelW - 8}" y="${y + 18}" text-anchor="end" class="name">${esc(r.name)}</text>${parts}`;
    })
    .join("");
  const legend = keys.map((k, i) => `<span class="key"><i class="swatch b${i}"></i>${esc(k)}</span>`).join("");
  return `<figure class="chart"><svg viewBox="0 0 ${W} ${height}" role="img">${bars}</svg><figcaption>${legend}</figcaption></figure>`;
}
