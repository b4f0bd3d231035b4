"""shared_components island (L1): language and theme detection, number/time formatting, site layout helpers."""
