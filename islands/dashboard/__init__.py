"""dashboard island (L5): the home page and the dashboard JSON API."""
