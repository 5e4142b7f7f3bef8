// Units sold per minute per channel over the last minutes, as stacked bars. A sale is a ledger
// row that commits units (a reservation committed, a channel sale recorded); its reference is
// the order, and the order's channel is looked up once per order. The SVG has no viewBox: it is
// as wide as its box, bars are placed in percent of that width and heights in CSS pixels, so
// its text stays the size the style sheet gives it on a phone and on a wide screen alike.

import { el } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const MINUTES = 15;
const HEIGHT = 120; // px of bars; the labels below take the rest of the chart's 136 px
const COLOURS = ["#2f6fdf", "#e08a1e", "#2e9e5b", "#a347c2", "#d04a4a", "#5a6b7d"];
const SOLD_TYPES = new Set(["COMMITTED", "SOLD"]);

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

export class SalesChart {
  #chart;
  #legend;
  #channelsOf;
  #seen = new Set(); // event ids already counted
  #sales = []; // {minute, channel, units}, channel null until looked up
  #channels = new Map(); // order ref -> channel
  #waiting = new Set(); // order refs to look up
  #lookup = 0;

  /** `channelsOf(orderRefs)` answers a Map from order reference to channel code. */
  constructor(chart, legend, channelsOf) {
    this.#chart = chart;
    this.#legend = legend;
    this.#channelsOf = channelsOf;
    setInterval(() => this.#draw(), 10000); // the window moves on even when nothing sells
    this.#draw();
  }

  add(event) {
    if (!SOLD_TYPES.has(event.type) || event.delta.committed <= 0 || this.#seen.has(event.id)) return;
    this.#seen.add(event.id);
    const minute = Math.floor(Date.parse(event.createdAt) / 60000);
    if (minute <= this.#now() - MINUTES) return;
    this.#sales.push({ minute, ref: event.reference, units: event.delta.committed });
    if (!this.#channels.has(event.reference)) this.#waiting.add(event.reference);
    this.#lookup ||= setTimeout(() => this.#lookUp(), 200);
    this.#draw();
  }

  async #lookUp() {
    const refs = [...this.#waiting];
    this.#waiting.clear();
    try {
      const found = await this.#channelsOf(refs);
      for (const ref of refs) this.#channels.set(ref, found.get(ref) ?? "other");
    } catch (error) {
      console.error("stockpool dashboard: cannot look up order channels", error);
      for (const ref of refs) this.#waiting.add(ref);
    }
    this.#lookup = 0;
    if (this.#waiting.size) this.#lookup = setTimeout(() => this.#lookUp(), 2000);
    this.#draw();
  }

  #now() {
    return Math.floor(Date.now() / 60000);
  }

  #draw() {
    const now = this.#now();
    const first = now - MINUTES + 1;
    this.#sales = this.#sales.filter((sale) => sale.minute >= first);
    const perMinute = new Map(); // minute -> Map channel -> units
    const perChannel = new Map();
    for (const sale of this.#sales) {
      const channel = this.#channels.get(sale.ref);
      if (!channel) continue;
      const bucket = perMinute.get(sale.minute) ?? new Map();
      bucket.set(channel, (bucket.get(channel) ?? 0) + sale.units);
      perMinute.set(sale.minute, bucket);
      perChannel.set(channel, (perChannel.get(channel) ?? 0) + sale.units);
    }
    const channels = [...perChannel.keys()].sort();
    const colour = (channel) => COLOURS[channels.indexOf(channel) % COLOURS.length];
    const highest = Math.max(1, ...[...perMinute.values()].map((b) => [...b.values()].reduce((x, y) => x + y, 0)));
    const slot = 100 / MINUTES; // percent of the width
    const nodes = [svg("line", { x1: "0", y1: HEIGHT, x2: "100%", y2: HEIGHT, class: "axis" })];
    for (let minute = first; minute <= now; minute++) {
      let top = HEIGHT;
      for (const channel of channels) {
        const units = perMinute.get(minute)?.get(channel) ?? 0;
        if (!units) continue;
        const height = (units / highest) * (HEIGHT - 14);
        top -= height;
        const bar = svg("rect", {
          x: `${(minute - first + 0.1) * slot}%`, y: top, width: `${slot * 0.8}%`, height, fill: colour(channel),
        });
        bar.append(svg("title", {}, `${channel}: ${units} units`));
        nodes.push(bar);
      }
    }
    nodes.push(
      svg("text", { x: 2, y: 10, class: "label" }, `${highest} / min`),
      svg("text", { x: 0, y: HEIGHT + 13, class: "label" }, `−${MINUTES} min`),
      svg("text", { x: "100%", y: HEIGHT + 13, class: "label", "text-anchor": "end" }, "now"),
    );
    this.#chart.replaceChildren(...nodes);
    this.#legend.replaceChildren(
      ...(channels.length
        ? channels.map((channel) =>
            el(
              "span",
              { class: "legend-item", dataset: { channel } },
              el("span", { class: `swatch swatch-${channels.indexOf(channel) % COLOURS.length}` }),
              `${channel} ${perChannel.get(channel)}`,
            ),
          )
        : [el("span", { class: "empty" }, "No sales in the last 15 minutes")]),
    );
  }
}
