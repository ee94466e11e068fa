"""The browser app (server-rendered, htmx). Views call services and selectors only."""
