// The newest rows of the ledger: history from the stockEvents query, then every row as it is
// written (the subscription sends no snapshot, so history is read after subscribing and merged
// by id).

import { clockTime, el, flash } from "./dom.js";

const EVENT_FIELDS = `id sku location type reason reference actor createdAt
  delta { onHand available reserved committed damaged quarantined inTransit onOrder }`;

export const LEDGER_EVENTS = `subscription Ledger { stockEvents { ${EVENT_FIELDS} } }`;
export const RECENT_EVENTS = `query Recent($first: Int!) {
  stockEvents(first: $first) { edges { node { ${EVENT_FIELDS} } } }
}`;

const SHOWN = 30;

export function deltaSummary(delta) {
  return Object.entries(delta)
    .filter(([, value]) => value !== 0)
    .map(([field, value]) => `${field} ${value > 0 ? "+" : "−"}${Math.abs(value)}`)
    .join(" · ");
}

export class LedgerTail {
  #list;
  #events = new Map(); // id -> event, newest SHOWN only

  constructor(list) {
    this.#list = list;
  }

  add(event, live) {
    if (this.#events.has(event.id)) return;
    this.#events.set(event.id, event);
    const newest = [...this.#events.values()].sort((a, b) => Number(b.id) - Number(a.id));
    for (const old of newest.slice(SHOWN)) this.#events.delete(old.id);
    if (!this.#events.has(event.id)) return;
    const row = this.#row(event);
    const next = [...this.#list.children].find((item) => Number(item.dataset.eventId) < Number(event.id));
    this.#list.insertBefore(row, next ?? null);
    while (this.#list.children.length > SHOWN) this.#list.lastElementChild.remove();
    if (live) flash(row);
  }

  #row(event) {
    return el(
      "li",
      { dataset: { eventId: event.id, type: event.type } },
      el("time", { datetime: event.createdAt }, clockTime(event.createdAt)),
      el("span", { class: "type" }, event.type),
      el("span", { class: "where" }, `${event.sku} @ ${event.location}`),
      el("span", { class: "delta" }, deltaSummary(event.delta)),
      event.reference ? el("span", { class: "reference" }, event.reference) : null,
    );
  }
}
