// Open and acknowledged alerts (oversell, drift, unmapped SKU, low stock, backorder short)
// with their acknowledge and resolve buttons, and the listings that run low on some channel.

import { batched, clockTime, el, flash } from "./dom.js";

export const ALERTS = `subscription Alerts {
  alertRaised { id type status message sku channel details occurrences updatedAt }
}`;

export const AVAILABILITY = `subscription Availability($channel: String!) {
  availabilityChanged(channel: $channel) { sku channel published sellable status version }
}`;

const MOVE = {
  acknowledge: `mutation($id: ID!) { acknowledgeAlert(input: {id: $id}) {
    alert { id status } userErrors { message code } } }`,
  resolve: `mutation($id: ID!) { resolveAlert(input: {id: $id}) {
    alert { id status } userErrors { message code } } }`,
};

const TYPE_LABELS = {
  OVERSELL: "Oversell",
  DRIFT: "Drift",
  UNMAPPED_SKU: "Unmapped SKU",
  BACKORDER_SHORT: "Backorder short",
  LOW_STOCK: "Low stock",
};

export class AlertsPanel {
  #list;
  #send;
  #alerts = new Map(); // id -> alert
  #drawn = false;
  #render = batched(() => this.#draw());

  /** `send(query, variables)` runs a mutation with the dashboard's key. */
  constructor(list, send) {
    this.#list = list;
    this.#send = send;
    this.#render();
  }

  apply(alert) {
    const known = this.#alerts.get(alert.id);
    if (known && known.updatedAt > alert.updatedAt) return;
    if (alert.status === "RESOLVED") this.#alerts.delete(alert.id);
    else this.#alerts.set(alert.id, { ...alert, changed: this.#drawn });
    this.#render();
  }

  #draw() {
    const alerts = [...this.#alerts.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    const items = alerts.map((alert) => {
      const item = this.#item(alert);
      if (alert.changed) flash(item);
      alert.changed = false;
      return item;
    });
    this.#drawn = true;
    this.#list.replaceChildren(...(items.length ? items : [el("li", { class: "empty" }, "No open alerts")]));
  }

  #item(alert) {
    const error = el("p", { class: "error", role: "alert" });
    const button = (action, label) =>
      el("button", { type: "button", onclick: () => this.#move(action, alert.id, error) }, label);
    const where = [alert.channel, alert.sku].filter(Boolean).join(" · ");
    return el(
      "li",
      { class: `alert ${alert.status.toLowerCase()}`, dataset: { alertId: alert.id, type: alert.type } },
      el(
        "div",
        { class: "alert-head" },
        el("span", { class: `chip ${alert.type.toLowerCase()}` }, TYPE_LABELS[alert.type] ?? alert.type),
        where ? el("span", { class: "where" }, where) : null,
        el("span", { class: "status" }, alert.status.toLowerCase()),
      ),
      el("p", { class: "message" }, alert.message),
      el(
        "div",
        { class: "alert-foot" },
        el("time", { datetime: alert.updatedAt }, clockTime(alert.updatedAt)),
        alert.occurrences > 1 ? el("span", { class: "occurrences" }, `×${alert.occurrences}`) : null,
        alert.status === "OPEN" ? button("acknowledge", "Acknowledge") : null,
        button("resolve", "Resolve"),
      ),
      error,
    );
  }

  async #move(action, id, error) {
    error.textContent = "";
    try {
      const data = await this.#send(MOVE[action], { id });
      const payload = Object.values(data)[0];
      // The alertRaised subscription brings the new status.
      if (payload.userErrors.length) error.textContent = payload.userErrors[0].message;
    } catch (failure) {
      error.textContent = failure.message;
    }
  }
}

/** Listings showing LOW_STOCK, and those that sold out while the page was open. */
export class LowStockList {
  #list;
  #latest = new Map(); // "channel sku" -> availability
  #soldOutHere = new Set();
  #render = batched(() => this.#draw());

  constructor(list) {
    this.#list = list;
  }

  apply(availability) {
    const id = `${availability.channel} ${availability.sku}`;
    const known = this.#latest.get(id);
    if (known && known.version >= availability.version) return;
    if (known && known.published > 0 && availability.status === "OUT_OF_STOCK") this.#soldOutHere.add(id);
    if (availability.status !== "OUT_OF_STOCK") this.#soldOutHere.delete(id);
    this.#latest.set(id, availability);
    this.#render();
  }

  #draw() {
    const shown = [...this.#latest.entries()]
      .filter(([id, a]) => a.status === "LOW_STOCK" || this.#soldOutHere.has(id))
      .map(([, a]) => a)
      .sort((a, b) => a.sellable - b.sellable || a.sku.localeCompare(b.sku));
    const items = shown.map((a) =>
      el(
        "li",
        { class: a.status === "OUT_OF_STOCK" ? "sold-out" : "low", dataset: { channel: a.channel, sku: a.sku } },
        el("span", { class: "where" }, `${a.channel} · ${a.sku}`),
        el("span", { class: "count" }, a.status === "OUT_OF_STOCK" ? "sold out" : `${a.sellable} left`),
      ),
    );
    this.#list.replaceChildren(...(items.length ? items : [el("li", { class: "empty" }, "Nothing running low")]));
  }
}
