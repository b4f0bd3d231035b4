"""Benchmarks of cryptodash. Run each from the project root as a module, e.g.
`.venv/bin/python -m bench.cache_read`: as a package, bench/http.py cannot shadow the standard
library's http module, and the scripts import the project without touching sys.path.
"""
