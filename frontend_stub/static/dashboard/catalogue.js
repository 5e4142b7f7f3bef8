// Every SKU of the catalogue, so the stock table lists those never stocked too (the
// stockLevelChanged subscription only covers stock levels that exist). SKUs come in creation
// order: the first read pages through all of them, later reads ask only for those created
// after the last one seen. Bundles have no stock of their own and get no row.

export const SKU_PAGE = `query Skus($after: String) {
  skus(first: 100, after: $after) {
    edges { node { code isBundle } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export class SkuCatalogue {
  #send;
  #onSkus;
  #after = null; // the cursor of the newest SKU read
  #reading = null;

  /** `send(query, variables)` runs a query with the dashboard's key; `onSkus(codes)` takes each page. */
  constructor(send, onSkus) {
    this.#send = send;
    this.#onSkus = onSkus;
  }

  /** Reads the SKUs created since the last read (one read at a time). */
  readNew() {
    this.#reading ??= this.#read().finally(() => (this.#reading = null));
    return this.#reading;
  }

  async #read() {
    for (;;) {
      const { skus } = await this.#send(SKU_PAGE, { after: this.#after });
      const codes = skus.edges.filter(({ node }) => !node.isBundle).map(({ node }) => node.code);
      if (codes.length) this.#onSkus(codes);
      this.#after = skus.pageInfo.endCursor ?? this.#after;
      if (!skus.pageInfo.hasNextPage) return;
    }
  }
}
