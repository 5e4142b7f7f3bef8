// <stockpool-badge channel="web" sku="TEE-BLK-M"> shows what a channel publishes of a SKU:
// "In stock", "Only 3 left", "Sold out" or "Pre-order — ships by <date>", live.
//
//   <script>window.stockpoolBadge = { key: "<storefront key>" };</script>
//   <script type="module" src="https://stock.example.com/static/badge.js"></script>
//
// Attributes: channel, sku (required); key and endpoint override the global config;
// low-stock="N" also says "Only N left" for IN_STOCK at N sellable units or fewer.
// Only ever embed a storefront key: it reads published availability and nothing else.

import { LiveConnection, State, websocketUrl } from "./graphql-transport-ws.js";

const SUBSCRIPTION = `subscription Badge($channel: String!, $skus: [String!]) {
  availabilityChanged(channel: $channel, skus: $skus) {
    sku published sellable status promisedAt version
  }
}`;

const STYLE = `
:host { display: inline-block; font: 600 0.875rem/1.2 system-ui, sans-serif; }
:host(:not([status])) .badge { display: none; }
.badge { display: inline-flex; align-items: baseline; gap: 0.4em; padding: 0.3em 0.75em;
  border-radius: 1em; background: #e8f5ec; color: #17603a; transition: opacity 0.3s; }
.badge::before { content: ""; flex: none; width: 0.55em; height: 0.55em; border-radius: 50%;
  background: currentColor; }
:host([status="LOW_STOCK"]) .badge, :host([low]) .badge { background: #fff4e0; color: #8a4b00; }
:host([status="OUT_OF_STOCK"]) .badge { background: #f1f1f1; color: #6b6b6b; }
:host([status="BACKORDER"]) .badge { background: #e6effc; color: #1d4f91; }
:host([stale]) .badge { opacity: 0.55; }
`;

const connections = new Map(); // "endpoint key" -> LiveConnection
const feeds = new Map(); // "endpoint key channel" -> ChannelFeed

function connectionFor(endpoint, key) {
  const id = `${endpoint} ${key}`;
  if (!connections.has(id)) connections.set(id, new LiveConnection(endpoint, key));
  return connections.get(id);
}

/** One subscription per channel for every badge of that channel on the page. */
class ChannelFeed {
  #connection;
  #channel;
  #badges = new Map(); // sku -> Set of badges
  #latest = new Map(); // sku -> newest availability seen
  #stop = null;
  #resubscribing = false;

  constructor(connection, channel) {
    this.#connection = connection;
    this.#channel = channel;
    connection.onState((state) => {
      for (const badges of this.#badges.values()) {
        for (const badge of badges) badge.connectionState(state);
      }
    });
  }

  add(badge, sku) {
    const badges = this.#badges.get(sku) ?? new Set();
    const isNewSku = badges.size === 0;
    badges.add(badge);
    this.#badges.set(sku, badges);
    badge.connectionState(this.#connection.state);
    const latest = this.#latest.get(sku);
    if (latest) badge.show(latest);
    if (isNewSku) this.#resubscribe();
  }

  remove(badge, sku) {
    const badges = this.#badges.get(sku);
    if (!badges?.delete(badge) || badges.size) return;
    this.#badges.delete(sku);
    this.#resubscribe();
  }

  // Badges added in one go (a page's HTML) make one subscription, not one each.
  #resubscribe() {
    if (this.#resubscribing) return;
    this.#resubscribing = true;
    queueMicrotask(() => {
      this.#resubscribing = false;
      this.#stop?.();
      this.#stop = null;
      if (this.#badges.size === 0) return;
      this.#stop = this.#connection.subscribe(
        { query: SUBSCRIPTION, variables: { channel: this.#channel, skus: [...this.#badges.keys()] } },
        {
          next: (result) => {
            if (result.data) this.#receive(result.data.availabilityChanged);
          },
          error: (errors) => console.error(`stockpool badge (${this.#channel}):`, errors),
        },
      );
    });
  }

  #receive(availability) {
    const seen = this.#latest.get(availability.sku);
    if (seen && seen.version >= availability.version) return; // out of order or a repeat
    this.#latest.set(availability.sku, availability);
    for (const badge of this.#badges.get(availability.sku) ?? []) badge.show(availability);
  }
}

function isLowInStock(availability, lowStockAt) {
  const sellable = availability.sellable ?? availability.published;
  return availability.status === "IN_STOCK" && lowStockAt !== null && sellable <= lowStockAt;
}

export function badgeText(availability, lowStockAt = null, locale = undefined) {
  const sellable = availability.sellable ?? availability.published;
  switch (availability.status) {
    case "OUT_OF_STOCK":
      return "Sold out";
    case "BACKORDER":
      if (!availability.promisedAt) return "Pre-order";
      return `Pre-order — ships by ${new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(
        new Date(availability.promisedAt),
      )}`;
    case "LOW_STOCK":
      return `Only ${sellable} left`;
    default:
      return isLowInStock(availability, lowStockAt) ? `Only ${sellable} left` : "In stock";
  }
}

export class StockpoolBadge extends HTMLElement {
  static observedAttributes = ["channel", "sku", "key", "endpoint", "low-stock"];
  #feed = null;
  #attachedSku = null;
  #label;

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    this.#label = document.createElement("span");
    this.#label.className = "badge";
    this.#label.setAttribute("part", "badge");
    this.#label.setAttribute("role", "status");
    this.#label.setAttribute("aria-live", "polite");
    root.append(style, this.#label);
  }

  connectedCallback() {
    this.#attach();
  }

  disconnectedCallback() {
    this.#detach();
  }

  attributeChangedCallback(name, before, after) {
    if (before === after || !this.isConnected || name === "low-stock") return;
    this.#detach();
    this.removeAttribute("status");
    this.#attach();
  }

  show(availability) {
    const lowStock = this.getAttribute("low-stock");
    const lowStockAt = lowStock === null ? null : Number(lowStock);
    const locale = this.closest("[lang]")?.lang || undefined;
    this.#label.textContent = badgeText(availability, lowStockAt, locale);
    this.setAttribute("status", availability.status);
    this.toggleAttribute("low", isLowInStock(availability, lowStockAt));
    this.dataset.published = String(availability.published);
    this.dataset.version = String(availability.version);
  }

  connectionState(state) {
    // Keeps showing the last value while reconnecting, faded, and says so to scripts.
    this.toggleAttribute("stale", state === State.RETRYING || state === State.REFUSED);
  }

  #attach() {
    const config = globalThis.stockpoolBadge ?? {};
    const channel = this.getAttribute("channel");
    const sku = this.getAttribute("sku");
    const key = this.getAttribute("key") ?? config.key;
    const endpoint =
      this.getAttribute("endpoint") ?? config.endpoint ?? websocketUrl("/graphql", import.meta.url);
    if (!channel || !sku || !key) {
      console.error("stockpool badge needs channel, sku and a storefront key", this);
      return;
    }
    const id = `${endpoint} ${key} ${channel}`;
    if (!feeds.has(id)) feeds.set(id, new ChannelFeed(connectionFor(endpoint, key), channel));
    this.#feed = feeds.get(id);
    this.#attachedSku = sku;
    this.#feed.add(this, sku);
  }

  #detach() {
    this.#feed?.remove(this, this.#attachedSku);
    this.#feed = null;
    this.#attachedSku = null;
  }
}

if (!customElements.get("stockpool-badge")) customElements.define("stockpool-badge", StockpoolBadge);
