"""One small requests-based client per upstream, each with its own Session and explicit timeouts.

Clients return typed values or raise the typed errors of `errors.py`. They know the endpoint's
paths and quirks, nothing about quotas, retries or storage (see `resilience.py`, `services.py`).
"""
