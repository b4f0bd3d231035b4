"""The launcher behind `make run`, `make demo` and `make test` (`python -m cryptodash.stack ...`).

- `base`: paths, the operator-facing error and log line, URL masking;
- `processes`: start/wait/stop helpers for child processes, shared with the tests and benches;
- `redis_server`: the embedded, password-protected redis-server and the choice of Redis;
- `supervisor`: one process of the stack, restarted when it dies;
- `commands`: run, demo and test;
- `__main__`: the command line.

Nothing here may import Django settings: they read REDIS_URL at import time, and the launcher
decides what it is.
"""
