"""The editors' web page and its JSON API (``newsmon serve``).

``create_app(store, config_dir=..., data_dir=...)`` builds the app over any ``Store``;
``server.serve(...)`` runs it with uvicorn after the bind-address safety check, so the
daemon can serve the page the same way the CLI does.
"""

from pipeline.web.app import create_app

__all__ = ["create_app"]
