// Apollo Client's own persisted query link (createPersistedQueryLink, APQ) against a served
// stockpool, hashed queries by GET: the first request of a document is its hash alone, the
// server answers PERSISTED_QUERY_NOT_FOUND, the link sends it again with the query; later
// requests are the hash alone. A mutation goes by POST, and a subscription over graphql-ws
// carries the hash with its query.
//
// Environment: STOCKPOOL_URL (http://host:port), STOCKPOOL_KEY (an admin key), SKU, CHANNEL.
// Prints one JSON line per HTTP request ({"request": {...}}) and per result, and a last line
// {"done": true}; exits 1 on any error.
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql, split } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions/index.js";
import { getMainDefinition } from "@apollo/client/utilities/index.js";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const { STOCKPOOL_URL: url, STOCKPOOL_KEY: key, SKU: sku, CHANNEL: channel } = process.env;
const GIVE_UP_MS = 20_000; // a guard against hanging, not a measurement

const report = (line) => console.log(JSON.stringify(line));
const authorization = `Bearer ${key}`;
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

// Every request the HttpLink makes, as the server saw it and answered it.
async function recordingFetch(input, init) {
  const response = await fetch(input, init);
  const body = await response.clone().json();
  const sent = init.method === "GET" ? new URL(input).searchParams : JSON.parse(init.body);
  const has = (name) => (sent instanceof URLSearchParams ? sent.has(name) : name in sent);
  report({
    request: {
      method: init.method,
      query: has("query"),
      hash: has("extensions"),
      status: response.status,
      cacheControl: response.headers.get("cache-control"),
      code: body.errors?.[0]?.extensions?.code ?? null,
    },
  });
  return response;
}

function makeClient() {
  const wsClient = createClient({
    url: `${url.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
  });
  const transport = split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    new GraphQLWsLink(wsClient),
    new HttpLink({ uri: `${url}/graphql`, headers: { authorization }, fetch: recordingFetch }),
  );
  const persisted = createPersistedQueryLink({ sha256, useGETForHashedQueries: true });
  const client = new ApolloClient({ link: persisted.concat(transport), cache: new InMemoryCache() });
  return { client, wsClient };
}

const SHELF = gql`query Shelf($channel: String!, $sku: String!) {
  availability(channel: $channel, skus: [$sku]) { id sku published version } }`;
const RESERVE = gql`mutation Hold($input: ReserveStockInput!) {
  reserveStock(input: $input) { reservation { status } userErrors { code } } }`;
const FEED = gql`subscription Feed($channel: String!, $sku: String!) {
  availabilityChanged(channel: $channel, skus: [$sku]) { sku published } }`;

async function shelf(client) {
  const result = await client.query({
    query: SHELF,
    variables: { channel, sku },
    fetchPolicy: "network-only",
  });
  report({ shelf: result.data.availability[0].published });
}

async function main() {
  const { client, wsClient } = makeClient();
  report({ step: "first query" });
  await shelf(client);
  report({ step: "second query" });
  await shelf(client);
  report({ step: "mutation" });
  for (const orderRef of ["apq-1", "apq-2"]) {
    const held = await client.mutate({
      mutation: RESERVE,
      variables: { input: { channel, orderRef, lines: [{ sku, quantity: 1 }] } },
    });
    report({ held: held.data.reserveStock.reservation?.status ?? held.data.reserveStock.userErrors });
  }
  report({ step: "subscription" });
  const first = await new Promise((resolve, reject) => {
    const handle = client.subscribe({ query: FEED, variables: { channel, sku } }).subscribe({
      next: (result) => {
        handle.unsubscribe();
        resolve(result.data.availabilityChanged.published);
      },
      error: reject,
    });
  });
  report({ subscribed: first });
  await wsClient.dispose();
  report({ done: true });
}

const timer = setTimeout(() => {
  report({ error: `no answer within ${GIVE_UP_MS} ms` });
  process.exit(1);
}, GIVE_UP_MS);
main().then(
  () => {
    clearTimeout(timer);
    process.exit(0);
  },
  (error) => {
    report({ error: String(error?.stack ?? error) });
    process.exit(1);
  },
);
