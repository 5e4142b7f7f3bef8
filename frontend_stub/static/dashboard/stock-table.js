// SKUs × locations: on hand, available, reserved and committed per stock level, a total per
// SKU over the locations shown and a total row; filtered by SKU and location; cells that
// change flash. Every SKU of the catalogue has a row, stocked or not: a location where a SKU
// has no stock level yet shows zeros, greyed.

import { batched, el, flash } from "./dom.js";

export const STOCK_LEVELS = `subscription Levels {
  stockLevelChanged { sku location onHand available reserved committed version }
}`;

const FIELDS = [
  ["onHand", "On hand"],
  ["available", "Avail."],
  ["reserved", "Res."],
  ["committed", "Comm."],
];
const TOTAL = "_total"; // codes start with a letter or digit, so no SKU or location is called this

export class StockTable {
  #table;
  #levels = new Map(); // "sku location" -> newest level
  #skus = new Set(); // every SKU with a row: the catalogue's and those seen in a level
  #locations = []; // in priority order, from the locations query
  #skuFilter = "";
  #locationFilter = "";
  #layout = "";
  #cells = new Map(); // "sku location field" -> <td>
  #render = batched(() => this.#draw());

  constructor(table, skuInput, locationSelect) {
    this.#table = table;
    skuInput.addEventListener("input", () => {
      this.#skuFilter = skuInput.value.trim().toUpperCase();
      this.#render();
    });
    locationSelect.addEventListener("change", () => {
      this.#locationFilter = locationSelect.value;
      this.#render();
    });
    this.locationSelect = locationSelect;
  }

  setLocations(codes) {
    this.#locations = codes;
    for (const code of codes) this.locationSelect.append(el("option", { value: code }, code));
    this.#render();
  }

  /** SKUs from the catalogue, shown even before they have a stock level. */
  addSkus(codes) {
    const before = this.#skus.size;
    for (const code of codes) this.#skus.add(code);
    if (this.#skus.size !== before) this.#render();
  }

  apply(level) {
    const id = `${level.sku} ${level.location}`;
    const known = this.#levels.get(id);
    if (known && known.version >= level.version) return;
    this.#levels.set(id, level);
    this.#skus.add(level.sku);
    if (!this.#locations.includes(level.location)) {
      this.#locations.push(level.location);
      this.locationSelect.append(el("option", { value: level.location }, level.location));
    }
    this.#render();
  }

  #draw() {
    const locations = this.#locationFilter ? [this.#locationFilter] : this.#locations;
    const skus = [...this.#skus]
      .filter((sku) => sku.toUpperCase().includes(this.#skuFilter))
      .sort();
    const layout = JSON.stringify([skus, locations]);
    const rebuilt = layout !== this.#layout;
    if (rebuilt) this.#build(skus, locations);
    this.#layout = layout;

    const columnTotals = new Map(
      [...locations, TOTAL].flatMap((group) => FIELDS.map(([field]) => [`${group} ${field}`, 0])),
    );
    for (const sku of skus) {
      const rowTotals = Object.fromEntries(FIELDS.map(([field]) => [field, 0]));
      for (const location of locations) {
        const level = this.#levels.get(`${sku} ${location}`);
        for (const [field] of FIELDS) {
          const value = level ? level[field] : 0;
          this.#set(`${sku} ${location} ${field}`, value, rebuilt, !level);
          rowTotals[field] += value;
          const column = `${location} ${field}`;
          columnTotals.set(column, (columnTotals.get(column) ?? 0) + value);
        }
      }
      for (const [field] of FIELDS) {
        this.#set(`${sku} ${TOTAL} ${field}`, rowTotals[field], rebuilt);
        const column = `${TOTAL} ${field}`;
        columnTotals.set(column, (columnTotals.get(column) ?? 0) + rowTotals[field]);
      }
    }
    for (const [column, value] of columnTotals) this.#set(`${TOTAL} ${column}`, value, rebuilt);
  }

  #set(id, value, rebuilt, noLevel = false) {
    const cell = this.#cells.get(id);
    if (!cell) return;
    cell.classList.toggle("no-level", noLevel);
    if (noLevel) cell.title = "no stock level here yet";
    else cell.removeAttribute("title");
    const text = String(value);
    if (cell.textContent === text) return;
    cell.textContent = text;
    if (!rebuilt) flash(cell);
  }

  #build(skus, locations) {
    this.#cells.clear();
    const groups = [...locations, TOTAL];
    const header = el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { rowspan: 2, scope: "col" }, "SKU"),
        ...groups.map((group) =>
          el("th", { colspan: FIELDS.length, scope: "colgroup", class: "group" }, group === TOTAL ? "Total" : group),
        ),
      ),
      el(
        "tr",
        {},
        ...groups.flatMap((group) =>
          FIELDS.map(([field, label], index) =>
            el("th", { scope: "col", class: index === 0 ? "group-start" : null, title: field }, label),
          ),
        ),
      ),
    );
    const row = (sku, label) =>
      el(
        "tr",
        { dataset: { sku } },
        el("th", { scope: "row" }, label),
        ...groups.flatMap((group) =>
          FIELDS.map(([field], index) => {
            const cell = el("td", {
              class: [index === 0 ? "group-start" : "", group === TOTAL ? "total" : ""].join(" ").trim() || null,
              dataset: { sku, location: group, field },
            });
            this.#cells.set(`${sku} ${group} ${field}`, cell);
            return cell;
          }),
        ),
      );
    const body = el("tbody", {}, ...skus.map((sku) => row(sku, sku)));
    const footer = el("tfoot", {}, row(TOTAL, `Total (${skus.length} SKUs)`));
    this.#table.replaceChildren(header, body, footer);
  }
}
