"""The dashboard API's HTTP helpers: the shared ones (every L5 island's JSON API uses them)."""

from islands.shared_components.json_http import api_methods, json_error, params_check

__all__ = ["api_methods", "json_error", "params_check"]
