// The ops dashboard: log in with an admin key (kept in this tab's session storage only), then
// follow stock, alerts, low stock, sales and the ledger over one WebSocket.

import { LiveConnection, State, websocketUrl } from "../graphql-transport-ws.js";
import { ALERTS, AVAILABILITY, AlertsPanel, LowStockList } from "./alerts-panel.js";
import { SkuCatalogue } from "./catalogue.js";
import { graphql } from "./graphql-http.js";
import { LEDGER_EVENTS, LedgerTail, RECENT_EVENTS } from "./ledger-tail.js";
import { SalesChart } from "./sales-chart.js";
import { STOCK_LEVELS, StockTable } from "./stock-table.js";

const KEY = "stockpool.dashboard.key";
const NOTICE = "stockpool.dashboard.notice";
const LOOKUP_BATCH = 50;
const NEW_SKUS_EVERY_MS = 30_000; // nothing announces a new SKU before it is stocked
const CONNECTION_LABELS = {
  [State.IDLE]: "idle",
  [State.CONNECTING]: "connecting…",
  [State.LIVE]: "live",
  [State.RETRYING]: "reconnecting…",
  [State.REFUSED]: "key refused",
  [State.CLOSED]: "closed",
};

const $ = (id) => document.getElementById(id);

function logOut(notice) {
  sessionStorage.removeItem(KEY);
  if (notice) sessionStorage.setItem(NOTICE, notice);
  location.reload();
}

/** The channel of each order reference, from its reservation (several per request). */
async function channelsOf(send, refs) {
  const found = new Map();
  for (let start = 0; start < refs.length; start += LOOKUP_BATCH) {
    const batch = refs.slice(start, start + LOOKUP_BATCH);
    const query = `query(${batch.map((_, i) => `$r${i}: String`).join(", ")}) {
      ${batch.map((_, i) => `r${i}: reservations(orderRef: $r${i}, first: 1) { edges { node { channel } } }`).join("\n")}
    }`;
    const data = await send(query, Object.fromEntries(batch.map((ref, i) => [`r${i}`, ref])));
    batch.forEach((ref, i) => {
      const channel = data[`r${i}`].edges[0]?.node.channel;
      if (channel) found.set(ref, channel);
    });
  }
  return found;
}

async function open(key) {
  const send = (query, variables) => graphql(key, query, variables);
  const { viewer } = await send("query { viewer { name role } }");
  if (viewer.role !== "ADMIN") {
    throw new Error(`The dashboard needs an admin key; this is a ${viewer.role.toLowerCase()} key.`);
  }
  sessionStorage.setItem(KEY, key);
  $("login").hidden = true;
  $("app").hidden = false;
  $("viewer").textContent = viewer.name;
  $("logout").addEventListener("click", () => logOut());

  const live = new LiveConnection(websocketUrl("/graphql", location.href), key);
  const watch = (query, variables, handle) =>
    live.subscribe(
      { query, variables },
      { next: (result) => result.data && handle(result.data), error: (errors) => console.error(errors) },
    );

  const { locations, channels } = await send("query { locations { code } channels { code } }");
  const table = new StockTable($("stock-table"), $("filter-sku"), $("filter-location"));
  table.setLocations(locations.map((location) => location.code));
  watch(STOCK_LEVELS, {}, (data) => table.apply(data.stockLevelChanged));
  const catalogue = new SkuCatalogue(send, (codes) => table.addSkus(codes));
  const readNewSkus = () => catalogue.readNew().catch((error) => console.error(error));
  setInterval(readNewSkus, NEW_SKUS_EVERY_MS);

  const alerts = new AlertsPanel($("alerts"), send);
  watch(ALERTS, {}, (data) => alerts.apply(data.alertRaised));
  const lowStock = new LowStockList($("low-stock"));
  for (const { code } of channels) {
    watch(AVAILABILITY, { channel: code }, (data) => lowStock.apply(data.availabilityChanged));
  }

  const ledger = new LedgerTail($("ledger"));
  const chart = new SalesChart($("sales-chart"), $("sales-legend"), (refs) => channelsOf(send, refs));
  watch(LEDGER_EVENTS, {}, (data) => {
    ledger.add(data.stockEvents, true);
    chart.add(data.stockEvents);
  });
  // The ledger subscription has no snapshot: once it runs (again, after a reconnect), read the
  // recent past and merge it by id, so nothing written in between is missing.
  const readRecent = async () => {
    const recent = await send(RECENT_EVENTS, { first: 100 });
    for (const { node } of recent.stockEvents.edges.reverse()) {
      ledger.add(node, false);
      chart.add(node);
    }
  };

  live.onState((state) => {
    const badge = $("connection");
    badge.textContent = CONNECTION_LABELS[state];
    badge.dataset.state = state;
    if (state === State.LIVE) {
      readRecent().catch((error) => console.error(error));
      readNewSkus();
    }
    if (state === State.REFUSED) logOut("The server refused the key; log in again.");
  });
}

function showLogin(message) {
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message ?? "";
  $("api-key").focus();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = $("api-key").value.trim();
  if (!key) return;
  try {
    await open(key);
  } catch (error) {
    showLogin(error.message);
  }
});

const notice = sessionStorage.getItem(NOTICE);
sessionStorage.removeItem(NOTICE);
const saved = sessionStorage.getItem(KEY);
if (saved) {
  open(saved).catch((error) => {
    sessionStorage.removeItem(KEY);
    showLogin(error.message);
  });
} else {
  showLogin(notice);
}
