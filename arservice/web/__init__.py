"""The web layer: the only place HTTP exists. ``create_app(settings)`` builds the app; routes
parse the request, call a service and map its errors to the one JSON error shape."""

from arservice.web.app import app_factory, create_app

__all__ = ["app_factory", "create_app"]
