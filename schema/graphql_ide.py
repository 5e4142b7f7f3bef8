"""The GraphiQL page: Strawberry's, made to forget the headers pasted into it and to run
subscriptions over WebSocket.

Strawberry's GraphiQL persists its headers editor in localStorage, so an admin key pasted
there stays in the browser after the tab closes, readable by any script on the origin. The
page served here keeps headers for the tab's life only, and wipes what an older page left.

Its fetcher cannot open a WebSocket either (the bundle does not carry graphql-ws), so a
subscription failed. Here graphql-ws comes from the same CDN as GraphiQL's own assets (pinned,
with its integrity hash), and a subscription runs over it with the headers editor's
`Authorization` sent in `connection_init`, as every stockpool WebSocket client does; one
socket per key, made again when the key in the editor changes. The page's assets come from
unpkg.com: the browser needs the internet (tests/e2e/test_graphiql_browser.py serves the same
files from npm instead)."""

from __future__ import annotations

from strawberry.http.ides import get_graphql_ide_html

PERSIST_ON = "shouldPersistHeaders: true,"
PERSIST_OFF = "shouldPersistHeaders: false,"
_RENDER = "const root = ReactDOM.createRoot("
_WIPE_STORED_HEADERS = """try {
        localStorage.removeItem("graphiql:headers");
        const tabState = JSON.parse(localStorage.getItem("graphiql:tabState") || "null");
        if (tabState && Array.isArray(tabState.tabs)) {
          tabState.tabs.forEach((tab) => { tab.headers = null; });
          localStorage.setItem("graphiql:tabState", JSON.stringify(tabState));
        }
      } catch (error) {}
      """

GRAPHQL_WS_VERSION = "6.4.2"
GRAPHQL_WS_URL = f"https://unpkg.com/graphql-ws@{GRAPHQL_WS_VERSION}/umd/graphql-ws.min.js"
GRAPHQL_WS_INTEGRITY = "sha384-mxvR4Mzbsb6QVx/9xI2gtQikQA6m8zMDBFnu3l//4/ROsWt7y2sUGWd+/tYQqDm7"
_HEAD_END = "</head>"
_GRAPHQL_WS_SCRIPT = f"""  <script
      crossorigin
      src="{GRAPHQL_WS_URL}"
      integrity="{GRAPHQL_WS_INTEGRITY}"
    ></script>
  </head>"""
_STRAWBERRY_FETCHER = """const fetcher = GraphiQL.createFetcher({
        url: fetchURL,
        headers: defaultHeaders,
        subscriptionUrl,
      });"""
_WEBSOCKET_FETCHER = """// Subscriptions over graphql-ws, the key in connection_init.
      let socket = null;
      function fetcherFor(authorization) {
        if (socket && socket.authorization === authorization) return socket.fetcher;
        if (socket) socket.client.dispose();
        const client = graphqlWs.createClient({
          url: subscriptionUrl,
          connectionParams: authorization ? { authorization } : {},
        });
        const wsFetcher = GraphiQL.createFetcher({
          url: fetchURL,
          headers: defaultHeaders,
          wsClient: client,
        });
        socket = { authorization, client, fetcher: wsFetcher };
        return wsFetcher;
      }
      function authorizationOf(headers) {
        for (const [name, value] of Object.entries(headers || {})) {
          if (name.toLowerCase() === "authorization") return String(value);
        }
        return null;
      }
      const fetcher = (params, options) =>
        fetcherFor(authorizationOf(options && options.headers))(params, options);"""

_EDITS = (
    (PERSIST_ON, PERSIST_OFF),
    (_RENDER, _WIPE_STORED_HEADERS + _RENDER),
    (_HEAD_END, _GRAPHQL_WS_SCRIPT),
    (_STRAWBERRY_FETCHER, _WEBSOCKET_FETCHER),
)


def graphiql_page() -> str | None:
    """The page, or None when this Strawberry's template is not the one these edits know
    (then the IDE is not served rather than served with keys kept in the browser)."""
    html = get_graphql_ide_html("graphiql")
    if any(html.count(old) != 1 for old, _ in _EDITS):
        return None
    for old, new in _EDITS:
        html = html.replace(old, new)
    return html


GRAPHIQL_PAGE = graphiql_page()
