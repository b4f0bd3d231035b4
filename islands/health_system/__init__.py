"""health_system island (L4): /health, /health/live and /metrics."""
