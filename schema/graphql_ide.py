"""The GraphiQL page, made to forget the headers pasted into it.

Strawberry's GraphiQL persists its headers editor in localStorage, so an admin key pasted
there stays in the browser after the tab closes, readable by any script on the origin. The
page served here keeps headers for the tab's life only, and wipes what an older page left."""

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


def graphiql_without_stored_headers() -> str | None:
    """The page, or None when this Strawberry's template is not the one these edits know
    (then the IDE is not served rather than served with keys kept in the browser)."""
    html = get_graphql_ide_html("graphiql")
    if html.count(PERSIST_ON) != 1 or html.count(_RENDER) != 1:
        return None
    return html.replace(PERSIST_ON, PERSIST_OFF).replace(_RENDER, _WIPE_STORED_HEADERS + _RENDER)


GRAPHIQL_PAGE = graphiql_without_stored_headers()
