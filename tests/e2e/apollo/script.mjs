// Apollo Client with its default InMemoryCache (no typePolicies) against a served stockpool:
// two watched queries (stockLevels, availability) and two subscriptions over graphql-ws
// (stockLevelChanged, availabilityChanged). A stock change is made with a plain fetch, past
// Apollo's cache, so only the subscriptions can bring it to the watched queries: they follow
// because the cache normalises both by __typename and id.
//
// Environment: STOCKPOOL_URL (http://host:port), STOCKPOOL_KEY (an admin key), and the
// catalogue the test made: SKU, LOCATION, CHANNEL. Prints one JSON line per observation and a
// last line {"done": true}; exits 1 on any error or when a watched value never arrives.
import { ApolloClient, HttpLink, InMemoryCache, gql, split } from "@apollo/client/core/index.js";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions/index.js";
import { getMainDefinition } from "@apollo/client/utilities/index.js";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const { STOCKPOOL_URL: url, STOCKPOOL_KEY: key, SKU: sku, LOCATION: location, CHANNEL: channel } =
  process.env;
const GIVE_UP_MS = 20_000; // a guard against hanging, not a measurement

const report = (line) => console.log(JSON.stringify(line));
const authorization = `Bearer ${key}`;

const wsClient = createClient({
  url: `${url.replace(/^http/, "ws")}/graphql`,
  webSocketImpl: WebSocket,
  connectionParams: { authorization },
});
const link = split(
  ({ query }) => {
    const definition = getMainDefinition(query);
    return definition.kind === "OperationDefinition" && definition.operation === "subscription";
  },
  new GraphQLWsLink(wsClient),
  new HttpLink({ uri: `${url}/graphql`, headers: { authorization } }),
);
const client = new ApolloClient({ link, cache: new InMemoryCache() });

const LEVEL = "id sku location available version";
const SHOWN = "id sku channel published status version";
const watched = {
  stockLevels: client.watchQuery({
    query: gql`query($sku: String!) { stockLevels(sku: $sku) { ${LEVEL} } }`,
    variables: { sku },
  }),
  availability: client.watchQuery({
    query: gql`query($channel: String!, $sku: String!) {
      availability(channel: $channel, skus: [$sku]) { ${SHOWN} } }`,
    variables: { channel, sku },
  }),
};
const subscriptions = {
  stockLevelChanged: client.subscribe({
    query: gql`subscription($sku: String!) { stockLevelChanged(skus: [$sku]) { ${LEVEL} } }`,
    variables: { sku },
  }),
  availabilityChanged: client.subscribe({
    query: gql`subscription($channel: String!, $sku: String!) {
      availabilityChanged(channel: $channel, skus: [$sku]) { ${SHOWN} } }`,
    variables: { channel, sku },
  }),
};

// Resolves when `test(value)` holds for a value `observable` sends (each sent value is reported).
function seen(name, observable, pick, test, handles) {
  return new Promise((resolve, reject) => {
    const handle = observable.subscribe({
      next: (result) => {
        const value = pick(result.data);
        report({ [name]: value });
        if (value !== undefined && test(value)) resolve(value);
      },
      error: reject,
    });
    handles.push(handle);
  });
}

async function changeStock(quantity) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify({
      query: `mutation($input: ReceiveStockInput!) {
        receiveStock(input: $input) { stockLevel { available } userErrors { code } } }`,
      variables: { input: { sku, location, quantity } },
    }),
  });
  const body = await response.json();
  if (body.errors || body.data.receiveStock.userErrors.length) {
    throw new Error(`receiveStock failed: ${JSON.stringify(body)}`);
  }
  return body.data.receiveStock.stockLevel.available;
}

async function main() {
  const handles = [];
  const level = (data) => data?.stockLevels?.[0]?.available;
  const published = (data) => data?.availability?.[0]?.published;
  const first = await Promise.all([
    seen("stockLevels", watched.stockLevels, level, () => true, handles),
    seen("availability", watched.availability, published, () => true, handles),
  ]);
  // Each subscription sends the current state first: once both have, they are live.
  const changedLevel = (data) => data?.stockLevelChanged?.available;
  const changedShown = (data) => data?.availabilityChanged?.published;
  await Promise.all([
    seen("stockLevelChanged", subscriptions.stockLevelChanged, changedLevel, () => true, handles),
    seen("availabilityChanged", subscriptions.availabilityChanged, changedShown, () => true, handles),
  ]);
  const followed = Promise.all([
    seen("stockLevels", watched.stockLevels, level, (v) => v !== first[0], handles),
    seen("availability", watched.availability, published, (v) => v !== first[1], handles),
  ]);
  const available = await changeStock(3);
  report({ changed: { available } });
  const [nowAvailable, nowPublished] = await followed;
  const entities = Object.keys(client.cache.extract()).filter((k) => !k.startsWith("ROOT_"));
  report({
    followed: { available: nowAvailable, published: nowPublished },
    cacheKeys: entities.sort(),
  });
  handles.forEach((handle) => handle.unsubscribe());
  await wsClient.dispose();
  report({ done: true });
}

const timer = setTimeout(() => {
  report({ error: `no update within ${GIVE_UP_MS} ms` });
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
