"""Django settings for cryptodash, read from the environment through the strict helpers in env.py.

Defaults are the embedded development stack: SQLite under .run/ and the Redis at REDIS_URL (the
launcher, `python -m cryptodash.stack`, starts an embedded one and exports its URL when none is given).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cryptodash.env import env_bool, env_float, env_int, env_list, env_networks, env_origins, env_str
from cryptodash.secretfile import private_dir, secret_file
from islands.cache_system.market_schema import coins_parse
from islands.cache_system.topology import RedisTopology, sentinel_nodes

BASE_DIR = Path(__file__).resolve().parent.parent
# The run dir holds the database, the generated secret key and the embedded Redis's password:
# this user's only (0700), also when a process is started without the launcher's umask.
RUN_DIR = private_dir(Path(env_str("CRYPTODASH_RUN_DIR", str(BASE_DIR / ".run"))))

DEBUG = env_bool("DJANGO_DEBUG", False)

# --- Production mode (DJANGO_ENV) ---------------------------------------------------------------
# Development (the default) serves plain HTTP on loopback with a generated secret. DJANGO_ENV=production
# turns on every HTTPS protection `manage.py check --deploy` asks for and refuses to start on a
# development convenience: a generated secret, the loopback ALLOWED_HOSTS, DEBUG. Each protection is
# also settable alone under Django's own setting name (e.g. HSTS off for a first rollout).
DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production', got {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"


def _production_check() -> None:
    secret = env_str("DJANGO_SECRET_KEY") or ""
    if not secret:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_ENV=production (the same on every host), e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    # Django's own bar (check --deploy, security.W009): a short or repetitive key is guessable.
    if len(secret) < 50 or len(set(secret)) < 5:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be at least 50 characters with 5 distinct ones when DJANGO_ENV=production"
        )
    if not env_list("ALLOWED_HOSTS", []):
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must list the public host names when DJANGO_ENV=production "
            "(the loopback default only suits development)"
        )
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production")


if PRODUCTION:
    _production_check()


def _proxy_ssl_header() -> tuple[str, str] | None:
    # "HTTP_X_FORWARDED_PROTO,https": the request is HTTPS when the proxy sets that header to that
    # value. Only safe when the proxy overwrites the header on every request; empty turns it off.
    value = env_str("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO,https" if PRODUCTION else "")
    if not value.strip():
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2 or not parts[0].startswith("HTTP_") or not parts[1]:
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER must be 'HTTP_<HEADER>,<value>' (e.g. HTTP_X_FORWARDED_PROTO,https) "
            f"or empty, got {value!r}"
        )
    return parts[0], parts[1]


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# Probes of a load balancer or orchestrator often speak plain HTTP to the process itself.
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", [r"^health$", r"^health/live$"])
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)


def _secret_key() -> str:
    # A fresh machine has no secret configured: generate one once and keep it under .run/ so
    # sessions survive restarts. Production sets DJANGO_SECRET_KEY.
    configured = env_str("DJANGO_SECRET_KEY")
    if configured:
        return configured
    # Created O_EXCL with mode 0600: never readable by others, and two processes starting at
    # once end with the same key (cryptodash/secretfile.py).
    return secret_file(RUN_DIR / "secret_key", nbytes=50)


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Creates the Celery app when Django starts (cryptodash/apps.py).
    "cryptodash.apps.CryptodashConfig",
    # Django's admin with a throttled login (see "Admin accounts" below).
    "islands.shared_components.admin_apps.CryptodashAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "channels",
    "islands.shared_components",
    "islands.cache_system",
    "islands.external_apis",
    "islands.websocket_service",
    "islands.health_system",
    "islands.dashboard",
    "islands.crypto_reports",
    # Before allauth: its templates are overridden by the accounts island's (the site's layout).
    "islands.accounts",
    "allauth",
    "allauth.account",
    "islands.alerts",
    "islands.markets",
]

MIDDLEWARE = [
    # First, so the latency it records covers every other middleware.
    "islands.health_system.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy, and the same security headers the fast path sends.
    "islands.shared_components.security.security_headers_middleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # With REPORTS_ORIGIN set, that host serves report documents (and static files) only.
    "islands.crypto_reports.middleware.reports_origin_middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # ?lang -> cookie -> Accept-Language -> vi, and the theme cookie (shared_components).
    "islands.shared_components.middleware.PreferencesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # allauth's login flow state; sync- and async-capable, so it adds no thread hop.
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cryptodash.urls"
ASGI_APPLICATION = "cryptodash.asgi.application"

# --- Django under ASGI: one thread hop per request (cryptodash/django_http.py) ---------------------
# Threads per web process that run Django's (sync) middleware and views, as a threaded WSGI server's
# would: the number of Django requests one process works on at once (each holds its own database
# connection). The event loop, the page cache and WebSockets do not use them. Few, because Django's
# work is CPU under one GIL: every extra runnable thread makes the GIL change hands more often.
# Measured (bench.http, a constant view through the full middleware, one uvicorn worker, quiet
# 2-core VM): 1 thread 2,187-2,535 req/s, 2 threads 2,417, 4 threads 1,637-1,857, 16 threads
# 1,541-1,581. Raise it for views that wait on I/O (a slow database) rather than compute.
DJANGO_HTTP_THREADS = env_int("DJANGO_HTTP_THREADS", 2, minimum=1)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "islands.shared_components.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Django requests run in a fixed pool of threads (DJANGO_HTTP_THREADS, cryptodash/django_http.py),
    # so a connection kept for DATABASE_CONN_MAX_AGE seconds is reused by its thread's next requests:
    # measured on PostgreSQL, a new connection per request cost 1.7 ms of CPU and ~40 ms of wall time.
    # Off by default: kept connections also hold a test database open when the test run drops it.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0), conn_health_checks=True
        )
    }
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        # A database that does not answer must fail a request in seconds, not hold one of the few
        # Django threads (DJANGO_HTTP_THREADS) until the kernel gives up on the connection.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
        )
else:
    SQLITE_PATH = RUN_DIR / "db.sqlite3"
    # SQLite creates the file with the process's umask (0644 by default) and its journals with
    # the file's mode: create it 0600 first (an empty file is an empty database).
    os.close(os.open(SQLITE_PATH, os.O_WRONLY | os.O_CREAT, 0o600))
    SQLITE_PATH.chmod(0o600)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: streams, cache, channel layer, Celery broker -------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
# Short timeouts: a Redis outage must turn into cache misses or the in-memory fallback within
# a fraction of a second, never a hung request (django-redis#86).
REDIS_SOCKET_CONNECT_TIMEOUT = env_float("REDIS_SOCKET_CONNECT_TIMEOUT", 0.5, minimum=0.01)
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 2.0, minimum=0.05)

# --- Redis stalls: per-role timeouts and breakers (islands/cache_system/breaker.py) ------------
# A paused or partitioned Redis accepts and never answers. Reads a request waits on use this
# shorter timeout; after any timeout, that role's calls skip Redis (answering from what the
# process knows) while a background PING every REDIS_BREAKER_OPEN_S seconds finds it back.
REDIS_REQUEST_TIMEOUT = env_float("REDIS_REQUEST_TIMEOUT", 0.5, minimum=0.01)
REDIS_BREAKER_OPEN_S = env_float("REDIS_BREAKER_OPEN_S", 0.5, minimum=0.05)

# --- Redis high availability: Sentinel (islands/cache_system/topology.py) ---------------------
# With REDIS_SENTINELS every client below follows the primary the sentinels name for service
# REDIS_SENTINEL_MASTER; REDIS_URL then only carries the data password and the db number.
REDIS_SENTINELS = sentinel_nodes(env_str("REDIS_SENTINELS", ""))
REDIS_SENTINEL_MASTER = env_str("REDIS_SENTINEL_MASTER", "mymaster")
REDIS_SENTINEL_PASSWORD = env_str("REDIS_SENTINEL_PASSWORD", "")
# How often each process asks the sentinels whether the primary moved (a pooled connection to a
# resurrected old primary would otherwise take writes that its demotion then discards).
REDIS_SENTINEL_CHECK_INTERVAL = env_float("REDIS_SENTINEL_CHECK_INTERVAL", 1.0, minimum=0.1)
REDIS_TOPOLOGY = RedisTopology(
    url=REDIS_URL,
    sentinels=REDIS_SENTINELS,
    master=REDIS_SENTINEL_MASTER,
    sentinel_password=REDIS_SENTINEL_PASSWORD or None,
    connect_timeout=REDIS_SOCKET_CONNECT_TIMEOUT,
)

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cryptodash",
        # Version 2: values are JSON. Anything stored by the pickling version 1 is never read.
        "VERSION": 2,
        "OPTIONS": {
            # DefaultClient behind the "cache" role's breaker (islands/cache_system/breaker.py).
            "CLIENT_CLASS": "islands.cache_system.cache_client.GuardedCacheClient",
            # Never pickle: whoever can write to Redis would run code in every process that reads
            # the cache. Values that are not JSON read as misses (islands/cache_system/serializers.py).
            "SERIALIZER": "islands.cache_system.serializers.JSONSerializer",
            "SOCKET_CONNECT_TIMEOUT": env_float("CACHE_SOCKET_CONNECT_TIMEOUT", 0.25, minimum=0.01),
            "SOCKET_TIMEOUT": env_float("CACHE_SOCKET_TIMEOUT", 0.25, minimum=0.01),
            "IGNORE_EXCEPTIONS": True,
        },
    }
}
# Under Sentinel: the service name as LOCATION and django-redis's Sentinel connection factory.
CACHES["default"]["LOCATION"], CACHES["default"]["OPTIONS"] = REDIS_TOPOLOGY.django_cache(CACHES["default"]["OPTIONS"])
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# The relay reaches each web process through ONE member of the WS_GROUP group per process (the
# process's fan-out hub, islands/websocket_service/hub.py), not one member per socket: bench/ws_fanout.py
# measured per-socket group_send at several times the CPU per frame of writing to local sockets.
# With a handful of members the core layer is enough; the PubSub layer's win (no BZPOPMIN per
# message per socket) does not apply. Sockets never join layer groups, so the pool default of
# 100 connections is not a limit here.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # The layer's receive blocks in BZPOPMIN for 5 s; redis-py 8's default socket timeout
            # is also 5 s, so the read timed out with the command (redis-py#3138) and a message
            # popped at that moment was lost. The socket timeout stays well above the block.
            "hosts": [
                REDIS_TOPOLOGY.channel_host(socket_timeout=10, socket_connect_timeout=REDIS_SOCKET_CONNECT_TIMEOUT)
            ],
            "prefix": "cryptodash:layer:",
            # Stale prices are worthless: drop undelivered messages quickly and keep queues small.
            "expiry": 10,
            "capacity": 100,
            # A hub re-joins every third of this, so only a crashed process's membership ages out:
            # within a minute, after which the relay stops writing into its dead channel.
            "group_expiry": 60,
        },
    }
}

# --- Streams and the tiered cache (cache_system island) --------------------------------------
STREAM_MARKET_DATA = "crypto:market_data"
STREAM_BTC_PRICE = "crypto:btc_price"
STREAM_MARKETS = "crypto:markets"
# Exchange ticks of the tracked coins (`manage.py ticks_ingest`). Trimmed by age, not length
# (XADD MINID ~): the rate follows the exchange, what matters is how far back it reaches.
STREAM_TICKS = "crypto:ticks"
TICKS_KEEP_S = env_int("TICKS_KEEP_S", 600, minimum=10)
# One summary every 10 s is 8,640 entries a day; 20,000 keeps more than 24 h with room for
# manual refreshes. MAXLEN ~ lets Redis trim whole macro-nodes, so XLEN hovers slightly above.
STREAM_MAXLEN = env_int("STREAM_MAXLEN", 20_000, minimum=100)
# The top-N market table, one entry a minute (~30 KB for 100 coins; sparklines are kept beside it,
# not in each entry): 360 keeps six hours. Readers only want the newest; the backup keeps more.
STREAM_MARKETS_MAXLEN = env_int("STREAM_MARKETS_MAXLEN", 360, minimum=10)
# Streams whose MAXLEN is not STREAM_MAXLEN.
STREAM_MAXLENS = {STREAM_MARKETS: STREAM_MARKETS_MAXLEN}
CACHE_TTL_REALTIME = env_int("CACHE_TTL_REALTIME", 10, minimum=1)
# How long a process may serve "the latest summary" from its L1 without looking at the stream.
SUMMARY_L1_TTL = env_float("SUMMARY_L1_TTL", 1.0, minimum=0.0)
REDIS_RECONNECT_INTERVAL = env_float("REDIS_RECONNECT_INTERVAL", 1.0, minimum=0.05)
FALLBACK_MAX_ENTRIES = env_int("FALLBACK_MAX_ENTRIES", 5_000, minimum=10)

# --- Consumer groups (relay, backup): one loop, one set of settings ---------------------------
# islands/cache_system/consumer_loop.py. The blocking XREADGROUP must stay below
# REDIS_SOCKET_TIMEOUT (checked at start), or redis-py times out a read that was only waiting
# (redis-py#3138); it is also how long a stop request may wait for an idle consumer.
CONSUMER_BLOCK_MS = env_int("CONSUMER_BLOCK_MS", 1_000, minimum=1)
CONSUMER_BATCH = env_int("CONSUMER_BATCH", 100, minimum=1)
# Entries pending this long belong to a consumer presumed dead; another one takes them over. It
# must exceed the longest batch a live consumer may take (well under a second for both groups).
CONSUMER_CLAIM_IDLE_MS = env_int("CONSUMER_CLAIM_IDLE_MS", 15_000, minimum=10)
# Pauses after errors double from 0.25 s up to this, with jitter; the loop never exits on one.
CONSUMER_BACKOFF_MAX_S = env_float("CONSUMER_BACKOFF_MAX_S", 10.0, minimum=0.1)
CONSUMER_HEARTBEAT_INTERVAL = env_float("CONSUMER_HEARTBEAT_INTERVAL", 5.0, minimum=0.1)
# The per-group names these replaced stop start-up rather than being silently ignored.
for _retired, _current in {
    "STREAM_BLOCK_MS": "CONSUMER_BLOCK_MS",
    "RELAY_BATCH": "CONSUMER_BATCH",
    "RELAY_CLAIM_IDLE_MS": "CONSUMER_CLAIM_IDLE_MS",
    "BACKUP_CLAIM_IDLE_MS": "CONSUMER_CLAIM_IDLE_MS",
    "RELAY_HEARTBEAT_INTERVAL": "CONSUMER_HEARTBEAT_INTERVAL",
}.items():
    if env_str(_retired) is not None:
        raise ImproperlyConfigured(f"{_retired} is retired: set {_current} (one value for every consumer group)")

# --- Stream backup to the database (cache_system island, `backup_streams`) --------------------
# The backup's own batch size (an override of CONSUMER_BATCH): one transaction per batch, and
# bigger transactions amortise the commit (bench/backup.py), which no other group pays.
BACKUP_BATCH_SIZE = env_int("BACKUP_BATCH_SIZE", 500, minimum=1)
# Entries put back into each stream when Redis comes back without them (about 14 h of summaries).
BACKUP_RESTORE_COUNT = env_int("BACKUP_RESTORE_COUNT", 5_000, minimum=1)
# Retention: every entry for KEEP_ALL days, then one a minute until KEEP_MINUTELY days, then one
# an hour until KEEP_HOURLY days; older rows are deleted.
BACKUP_KEEP_ALL_DAYS = env_int("BACKUP_KEEP_ALL_DAYS", 7, minimum=1)
BACKUP_KEEP_MINUTELY_DAYS = env_int("BACKUP_KEEP_MINUTELY_DAYS", 30, minimum=1)
BACKUP_KEEP_HOURLY_DAYS = env_int("BACKUP_KEEP_HOURLY_DAYS", 365, minimum=1)
# Market tables are large (~50 KB a minute) and only the stream's six hours need restoring.
BACKUP_MARKETS_KEEP_HOURS = env_int("BACKUP_MARKETS_KEEP_HOURS", 24, minimum=1)

# --- Live updates (websocket_service island) --------------------------------------------------
# The channel-layer group every web process's fan-out hub joins; the relay sends to it.
WS_GROUP = "live"
# Inbound frames are tiny (ping, resume): anything bigger than this is closed with 1009.
WS_MAX_FRAME_BYTES = env_int("WS_MAX_FRAME_BYTES", 4_096, minimum=256)
# Per-connection token bucket: a burst, then a steady rate; a client that keeps sending into an
# empty bucket (WS_ABUSE_REJECTS frames in a row) is closed with 1008.
WS_RATE_BURST = env_int("WS_RATE_BURST", 30, minimum=1)
WS_RATE_PER_SECOND = env_float("WS_RATE_PER_SECOND", 10.0, minimum=0.1)
WS_ABUSE_REJECTS = env_int("WS_ABUSE_REJECTS", 50, minimum=1)
# Frames waiting for one socket; a client further behind is dropped to a fresh snapshot (resync).
WS_SEND_QUEUE = env_int("WS_SEND_QUEUE", 32, minimum=2)
# `resume` replays at most this many entries; a longer gap gets a fresh snapshot marked resync.
WS_RESUME_MAX = env_int("WS_RESUME_MAX", 500, minimum=1)
RELAY_GROUP = "websocket_broadcast"

# --- Client addresses and WebSocket admission (security) -----------------------------------------
# Peers (IPs or CIDRs) whose X-Forwarded-For is believed; the client is then the right-most address
# in it that is not one of them (islands/shared_components/client_ip.py). Empty: the TCP peer is
# the client and the header is ignored.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")


def _ws_origins_default() -> list[str]:
    # The origins a browser shows for the served HOST/PORT, plus the site's public ones. Channels'
    # OriginValidator spells Django's "https://*.example.com" as "https://.example.com".
    port = env_int("PORT", 8050, minimum=1)
    host = env_str("HOST", "127.0.0.1")
    hosts = ["127.0.0.1", "localhost", "[::1]"]
    named = f"[{host}]" if ":" in host and not host.startswith("[") else host
    if named not in hosts and named not in ("0.0.0.0", "[::]", ""):  # a wildcard names no origin
        hosts.append(named)
    return [f"http://{name}:{port}" for name in hosts] + [o.replace("://*.", "://.") for o in CSRF_TRUSTED_ORIGINS]


# /ws accepts a handshake only from these origins (scheme, host and port compared); others get 403.
WS_ALLOWED_ORIGINS = env_origins("WS_ALLOWED_ORIGINS", _ws_origins_default())
# Open /ws sockets per client address, per web process; the next one is refused at the handshake.
WS_MAX_CONNECTIONS_PER_IP = env_int("WS_MAX_CONNECTIONS_PER_IP", 100, minimum=1)
# Snapshot/replay requests (request_dashboard_data, resume, and the one every socket starts with)
# are far dearer than a ping: each socket gets a bucket of its own for them. Over budget: an error
# frame; WS_RESUME_ABUSE_REJECTS refused requests in a row close the socket with 1008.
WS_RESUME_BURST = env_int("WS_RESUME_BURST", 5, minimum=1)
WS_RESUME_PER_MINUTE = env_float("WS_RESUME_PER_MINUTE", 12.0, minimum=0.1)
WS_RESUME_ABUSE_REJECTS = env_int("WS_RESUME_ABUSE_REJECTS", 10, minimum=1)
# The same requests from all sockets of one client address, per web process: a client closed with
# 1008 that reconnects gets a fresh socket bucket, not a fresh address bucket. Sized for several
# people behind one NAT each opening a page (every socket starts with one request).
WS_RESUME_PER_IP_BURST = env_int("WS_RESUME_PER_IP_BURST", 50, minimum=1)
WS_RESUME_PER_IP_PER_MINUTE = env_float("WS_RESUME_PER_IP_PER_MINUTE", 120.0, minimum=0.1)
# An address whose sockets were closed for abuse (1008, 1009) WS_ABUSE_CLOSES_PER_IP times within
# about WS_ABUSE_COOLDOWN_S (the count leaks away over that time) has its handshakes refused (403,
# close code 1008) for WS_ABUSE_COOLDOWN_S; its open sockets stay. Per web process.
WS_ABUSE_CLOSES_PER_IP = env_int("WS_ABUSE_CLOSES_PER_IP", 3, minimum=1)
WS_ABUSE_COOLDOWN_S = env_float("WS_ABUSE_COOLDOWN_S", 60.0, minimum=1.0)
# Such a refusal is sent this late: a client that retries as soon as it is answered then costs one
# handshake per delay. The waiting refusals hold WS_MAX_CONNECTIONS_PER_IP slots of the address.
WS_ABUSE_REFUSE_DELAY_S = env_float("WS_ABUSE_REFUSE_DELAY_S", 2.0, minimum=0.0)

# Tick frames (type "ticks") reach a socket at most this many times a second, each the newest
# price of every tracked coin: a slow client gets the latest, never a backlog.
WS_TICK_HZ = env_float("WS_TICK_HZ", 4.0, minimum=0.1)

# --- Exchange ticks (external_apis island, `manage.py ticks_ingest`) --------------------------
# Binance's combined-stream WebSocket; the ingest appends /stream?streams=<symbol>@miniTicker/...
BINANCE_WS_URL = env_str("BINANCE_WS_URL", "wss://stream.binance.com:9443").rstrip("/")
# At most one stream entry per coin per this many ms (the newest price of a faster burst wins).
TICK_MIN_INTERVAL_MS = env_int("TICK_MIN_INTERVAL_MS", 250, minimum=1)
# No message for this long: the connection is presumed dead and replaced (Binance sends each
# symbol's mini ticker every second).
TICK_STALE_S = env_float("TICK_STALE_S", 10.0, minimum=0.1)
# Binance cuts a connection after 24 h: a new one is opened before that, then the old one closed.
TICK_RECONNECT_AFTER_S = env_float("TICK_RECONNECT_AFTER_S", 23 * 3600, minimum=1.0)
# Pauses between failed connection attempts double up to this, with jitter.
TICK_BACKOFF_MAX_S = env_float("TICK_BACKOFF_MAX_S", 30.0, minimum=0.1)
# One ingest holds the exchange connection; its lock lapses this long after the last renewal,
# so a standby (which retries every third of it) takes over within about 1.3x this.
TICK_LOCK_TTL_S = env_float("TICK_LOCK_TTL_S", 3.0, minimum=0.3)
# A tick older than this no longer beats the REST price on the page: the tile falls back to it.
TICK_FRESH_S = env_float("TICK_FRESH_S", 15.0, minimum=1.0)

# --- Tracked coins (cache_system/market_schema.py owns the schema) ------------------------------
# Comma-separated `key:BINANCE_SYMBOL:coingecko-id:Display name` (or the bare key of a default
# coin); empty = the seven default coins. Every field, tile, frame and history series follows it.
try:
    COINS = coins_parse(env_str("COINS", ""))
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None

# --- Upstream APIs (external_apis island) -----------------------------------------------------
# Base URLs without a trailing slash; the clients append the documented paths (SPEC §3). `make demo`
# points all six at the fake upstream server (`manage.py fake_upstream`).
COINGECKO_BASE_URL = env_str("COINGECKO_BASE_URL", "https://api.coingecko.com").rstrip("/")
BINANCE_BASE_URL = env_str("BINANCE_BASE_URL", "https://api.binance.com").rstrip("/")
FNG_BASE_URL = env_str("FNG_BASE_URL", "https://api.alternative.me").rstrip("/")
TAAPI_BASE_URL = env_str("TAAPI_BASE_URL", "https://api.taapi.io").rstrip("/")
FINNHUB_BASE_URL = env_str("FINNHUB_BASE_URL", "https://finnhub.io").rstrip("/")
CMC_BASE_URL = env_str("CMC_BASE_URL", "https://pro-api.coinmarketcap.com").rstrip("/")
# A source whose key is empty is reported `disabled`, never called.
CMC_API_KEY = env_str("CMC_API_KEY", "")
TAAPI_SECRET = env_str("TAAPI_SECRET", "")
FINNHUB_API_KEY = env_str("FINNHUB_API_KEY", "")
# "simulated" when the base URLs point at the fake upstream: every page says so (summary `mode`).
DATA_MODE = env_str("DATA_MODE", "live")
if DATA_MODE not in {"live", "simulated"}:
    raise ImproperlyConfigured(f"DATA_MODE must be 'live' or 'simulated', got {DATA_MODE!r}")
UPSTREAM_CONNECT_TIMEOUT = env_float("UPSTREAM_CONNECT_TIMEOUT", 3.05, minimum=0.05)
UPSTREAM_READ_TIMEOUT = env_float("UPSTREAM_READ_TIMEOUT", 5.0, minimum=0.05)
# Wall-clock budget of one source's fetch, retries and fallback included. With the sources fetched
# in parallel it keeps every task well inside CELERY_TASK_SOFT_TIME_LIMIT.
UPSTREAM_FETCH_BUDGET = env_float("UPSTREAM_FETCH_BUDGET", 20.0, minimum=0.1)
UPSTREAM_MAX_ATTEMPTS = env_int("UPSTREAM_MAX_ATTEMPTS", 3, minimum=1)
# A Retry-After up to this long is waited out inside the task; a longer one skips the source.
UPSTREAM_MAX_INLINE_WAIT = env_float("UPSTREAM_MAX_INLINE_WAIT", 2.0, minimum=0.0)
# Global (all processes) quotas, in the `limits` notation; defaults stay under the free tiers.
UPSTREAM_RATE_LIMITS = {
    "binance": env_str("RATE_LIMIT_BINANCE", "60/minute"),
    "coingecko": env_str("RATE_LIMIT_COINGECKO", "10/minute"),
    "coinmarketcap": env_str("RATE_LIMIT_COINMARKETCAP", "5/minute;300/day"),
    "alternative_me": env_str("RATE_LIMIT_ALTERNATIVE_ME", "10/minute"),
    "taapi": env_str("RATE_LIMIT_TAAPI", "1/15second"),
    "finnhub": env_str("RATE_LIMIT_FINNHUB", "50/minute"),
}
# Seconds between fetches of each feed (SPEC §3); each is also a beat entry below.
INGEST_INTERVALS = {
    "prices": env_float("INGEST_INTERVAL_PRICES", 10.0, minimum=1.0),
    "global": env_float("INGEST_INTERVAL_GLOBAL", 60.0, minimum=1.0),
    "fear_greed": env_float("INGEST_INTERVAL_FEAR_GREED", 300.0, minimum=1.0),
    "rsi": env_float("INGEST_INTERVAL_RSI", 3600.0, minimum=1.0),
    "us_indices": env_float("INGEST_INTERVAL_US_INDICES", 60.0, minimum=1.0),
}
# The display currencies' rates (CoinGecko /exchange_rates) are a feed of the summary too (`fx`).
INGEST_INTERVALS["fx"] = env_float("INGEST_INTERVAL_FX", 600.0, minimum=1.0)
# The market table (CoinGecko /coins/markets, stream crypto:markets): how many coins, how often.
MARKET_TOP_N = env_int("MARKET_TOP_N", 100, minimum=1)
if MARKET_TOP_N > 250:
    raise ImproperlyConfigured("MARKET_TOP_N must be at most 250 (CoinGecko's per_page limit)")
INGEST_INTERVAL_MARKETS = env_float("INGEST_INTERVAL_MARKETS", 60.0, minimum=1.0)
# Binance klines of the tracked coins: the beat job runs this often and refreshes each interval
# whose own period has passed (1h candles every 5 min, 4h every 15 min, 1d every hour).
INGEST_INTERVAL_CANDLES = env_float("INGEST_INTERVAL_CANDLES", 300.0, minimum=1.0)
# A slower feed whose last fetch brought nothing is tried again after this many seconds.
INGEST_RETRY_FAILED_S = env_float("INGEST_RETRY_FAILED_S", 60.0, minimum=1.0)
# Consecutive failures that open a source's circuit breaker, and how long it then stays open.
UPSTREAM_BREAKER_FAIL_MAX = env_int("UPSTREAM_BREAKER_FAIL_MAX", 5, minimum=1)
UPSTREAM_BREAKER_RESET_S = env_int("UPSTREAM_BREAKER_RESET_S", 60, minimum=1)

# --- Celery -----------------------------------------------------------------------------------
# REDIS_URL, or `sentinel://...;sentinel://...` with the service and the sentinels' settings.
CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TOPOLOGY.celery_broker()
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# JSON only, in and out: a pickled message in the broker would run code in the worker.
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_ACCEPT_CONTENT = ["json"]
CELERY_EVENT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True

# --- Celery: work in flight at a stop or a crash ---
# Tasks in flight at a stop finish: the worker's warm shutdown waits for them (pool children ignore
# a group-wide SIGTERM, cryptodash/celery.py; the launcher waits CELERY_TASK_TIME_LIMIT + 10 s).
# Every task is safe to run twice (feed_refresh / refresh_all / retry_failed fetch the current
# values under a per-feed lock and the shared quotas, heartbeat overwrites one timestamp,
# snapshot_retention thins to the same rows), so acks_late would suit them, but kombu 5.7's Redis
# transport then crashes the worker when the broker connection drops while a message is held
# unacknowledged ("Unrecoverable error: AttributeError ... 'hostname'" from restore_unacked, the
# kombu#970 family; seen on every Redis restart of bench.soak). Early acks stay: a task lost to a
# crash is re-run by its next beat tick.
# Said explicitly (Celery 6's default; with no acks_late task nothing is cancelled): unset, every
# broker connection loss prints a multi-line CPendingDeprecationWarning into the worker's log.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 30, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 45, minimum=2)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "heartbeat": {
        "task": "islands.cache_system.tasks.heartbeat",
        "schedule": 10.0,
        # A heartbeat that waited in the queue through an outage says nothing about now.
        "options": {"expires": 10.0},
    },
    "backup-retention": {
        "task": "islands.cache_system.tasks.snapshot_retention",
        "schedule": 600.0,
        # Thinning is idempotent: a run missed during an outage is simply done by the next one.
        "options": {"expires": 600.0},
    },
}
# One beat entry per feed of the external_apis island; a fetch that waited longer than its
# interval in the queue is dropped, the next one is already due (celery#591).
CELERY_BEAT_SCHEDULE.update(
    {
        f"ingest-{feed}": {
            "task": "islands.external_apis.tasks.feed_refresh",
            "schedule": interval,
            "kwargs": {"feed": feed},
            "options": {"expires": interval},
        }
        for feed, interval in INGEST_INTERVALS.items()
    }
)
CELERY_BEAT_SCHEDULE["ingest-markets"] = {
    "task": "islands.external_apis.tasks.markets_refresh",
    "schedule": INGEST_INTERVAL_MARKETS,
    "options": {"expires": INGEST_INTERVAL_MARKETS},
}
CELERY_BEAT_SCHEDULE["ingest-candles"] = {
    "task": "islands.external_apis.tasks.candles_refresh",
    "schedule": INGEST_INTERVAL_CANDLES,
    "options": {"expires": INGEST_INTERVAL_CANDLES},
}
CELERY_BEAT_SCHEDULE["ingest-retry-failed"] = {
    "task": "islands.external_apis.tasks.retry_failed",
    "schedule": INGEST_RETRY_FAILED_S,
    "options": {"expires": INGEST_RETRY_FAILED_S},
}

# --- Dashboard and health (dashboard, health_system islands) -----------------------------------
# A summary with no newer stream entry for this long is shown as stale (tiles, banner, API).
SUMMARY_STALE_AFTER = env_float("SUMMARY_STALE_AFTER", 60.0, minimum=1.0)
# A stored home page is re-rendered at least this often, so the age it shows stays near the truth.
PAGE_RENDER_MAX_AGE = env_float("PAGE_RENDER_MAX_AGE", 5.0, minimum=0.0)

# --- Page cache (shared_components/page_cache.py) ---------------------------------------------
# Bytes of stored answers (every encoding) per web process; least recently used go first.
PAGE_CACHE_MAX_BYTES = env_int("PAGE_CACHE_MAX_BYTES", 32 * 1024 * 1024, minimum=64 * 1024)
# The page cache answers from the content versions it last looked up (once per SUMMARY_L1_TTL, in
# the background); ones not looked up for this long (an idle process) are read before answering.
PAGE_CACHE_REVALIDATE_AFTER = env_float("PAGE_CACHE_REVALIDATE_AFTER", 2.0, minimum=0.0)
# POST /api/crypto/dashboard-summary/refresh: at most this many per client per window (seconds).
REFRESH_RATE_LIMIT = env_int("REFRESH_RATE_LIMIT", 3, minimum=1)
REFRESH_RATE_WINDOW = env_int("REFRESH_RATE_WINDOW", 60, minimum=1)
# /health: the beat->worker heartbeat is written every 10 s; older than this means Celery is sick.
HEALTH_CELERY_MAX_AGE = env_float("HEALTH_CELERY_MAX_AGE", 35.0, minimum=1.0)
HEALTH_RELAY_MAX_AGE = env_float("HEALTH_RELAY_MAX_AGE", 30.0, minimum=1.0)
HEALTH_BACKUP_MAX_AGE = env_float("HEALTH_BACKUP_MAX_AGE", 120.0, minimum=1.0)
HEALTH_ALERTS_MAX_AGE = env_float("HEALTH_ALERTS_MAX_AGE", 30.0, minimum=1.0)
# The tick ingest's heartbeat (every 5 s) and its newest tick: older degrades /health.
HEALTH_TICKS_MAX_AGE = env_float("HEALTH_TICKS_MAX_AGE", 30.0, minimum=1.0)
# A worker ping waits at most this long; its answer is reused for HEALTH_WORKER_PING_TTL seconds.
HEALTH_WORKER_PING_TIMEOUT = env_float("HEALTH_WORKER_PING_TIMEOUT", 0.5, minimum=0.05)
HEALTH_WORKER_PING_TTL = env_float("HEALTH_WORKER_PING_TTL", 5.0, minimum=0.0)
# /health's probes run side by side; one without an answer by then reports "timeout".
HEALTH_DEADLINE_S = env_float("HEALTH_DEADLINE_S", 0.8, minimum=0.05)


# --- Internals: /metrics, detailed /health, /api/cache/stats, /api/crypto/rate-limit-status -----
# They name workers, consumer groups, breakers and quotas: only callers from these networks or
# bearing INTERNAL_TOKEN get them (islands/shared_components/internal_access.py). Behind a proxy on
# the same host every request comes from loopback, so production mode allows no network by default.
def _internal_allow_ips() -> list[str]:
    networks = env_list("INTERNAL_ALLOW_IPS", [] if PRODUCTION else ["127.0.0.0/8", "::1"])
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"INTERNAL_ALLOW_IPS must be comma-separated addresses or CIDRs, got {network!r}"
            ) from None
    return networks


INTERNAL_ALLOW_IPS = _internal_allow_ips()
INTERNAL_TOKEN = env_str("INTERNAL_TOKEN", "")
if INTERNAL_TOKEN and len(INTERNAL_TOKEN) < 32:
    raise ImproperlyConfigured("INTERNAL_TOKEN must be empty (no token access) or at least 32 characters")

# --- Admin accounts: password rules and login throttling (shared_components island) ---------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Admin login attempts (successful ones included) per client address, and per username, in a
# moving window of ADMIN_LOGIN_WINDOW seconds, counted in Redis across processes; a successful
# login frees its username's count.
ADMIN_LOGIN_IP_ATTEMPTS = env_int("ADMIN_LOGIN_IP_ATTEMPTS", 20, minimum=1)
ADMIN_LOGIN_USER_ATTEMPTS = env_int("ADMIN_LOGIN_USER_ATTEMPTS", 5, minimum=1)
ADMIN_LOGIN_WINDOW = env_int("ADMIN_LOGIN_WINDOW", 900, minimum=1)

# --- Accounts: sign-up, log-in, password reset, e-mail verification (accounts island, allauth) --
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# mandatory: no log-in before the address is confirmed; optional: a confirmation mail is sent.
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
if ACCOUNT_EMAIL_VERIFICATION not in ("mandatory", "optional", "none"):
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION must be mandatory, optional or none")
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[cryptodash] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Sign-up, log-in and reset attempts are counted by allauth in the default cache, which is the
# Redis every process shares: one budget per address (and per account) across all web processes.
# A Redis outage refuses these requests (429) rather than letting them through uncounted.
ACCOUNT_RATE_LIMITS = {
    "login": env_str("ACCOUNT_RATE_LIMIT_LOGIN", "30/m/ip"),
    "login_failed": env_str("ACCOUNT_RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "signup": env_str("ACCOUNT_RATE_LIMIT_SIGNUP", "20/m/ip"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/alerts"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

# --- Alerts and watchlists (alerts island) -------------------------------------------------------
ALERTS_GROUP = "alerts"
ALERTS_MAX_PER_USER = env_int("ALERTS_MAX_PER_USER", 50, minimum=1)
# After a fire, the same alert stays quiet this long (stream time), so a price hovering at the
# level does not fire on every crossing.
ALERTS_COOLDOWN_S = env_int("ALERTS_COOLDOWN_S", 900, minimum=0)
# The site's address for links in alert mails (no trailing slash).
ALERTS_SITE_URL = (env_str("ALERTS_SITE_URL", "http://127.0.0.1:8050") or "").rstrip("/")
ALERTS_EMAIL_RETRIES = env_int("ALERTS_EMAIL_RETRIES", 5, minimum=0)
ALERTS_PUSH_RETRIES = env_int("ALERTS_PUSH_RETRIES", 3, minimum=0)
# A delivery claimed ("sending") this long ago whose sender never finished (killed between claim
# and send) is sent again by the evaluator: at-least-once for that window, as SMTP and Web Push
# have no idempotency key (islands/alerts/services.py, deliveries_lease_expired). Longer than any
# live send may take, which Celery's hard time limit bounds.
ALERTS_DELIVERY_LEASE_S = env_float("ALERTS_DELIVERY_LEASE_S", 120.0, minimum=1.0)
if ALERTS_DELIVERY_LEASE_S <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"ALERTS_DELIVERY_LEASE_S ({ALERTS_DELIVERY_LEASE_S:g}) must exceed CELERY_TASK_TIME_LIMIT "
        f"({CELERY_TASK_TIME_LIMIT}): a live send would be sent twice"
    )
# Web Push: the application server's VAPID key pair (base64url, raw P-256: `manage.py vapid_keys`
# prints a new pair) and the contact the push services may write to. Empty: push is off.
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:alerts@localhost")

# --- E-mail (verification, password reset, alert mails) ----------------------------------------
# Development and demo print mails on the console (or write files under EMAIL_FILE_PATH with the
# file backend); production sends through the SMTP server below.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(RUN_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0, minimum=0.1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cryptodash <noreply@localhost>")

# --- Reports: import limits and the reports origin (crypto_reports island) ---------------------
# Largest file `import_report` (and the seeds) will read; the admin form's body is capped by Django
# at DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) already.
REPORT_FILE_MAX_BYTES = env_int("REPORT_FILE_MAX_BYTES", 2_000_000, minimum=1_024)


def _origin_setting(name: str) -> str:
    value = (env_str(name, "") or "").strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    try:
        port_valid = parts.port != 0
    except ValueError:  # not a number, or out of range
        port_valid = False
    if (
        not port_valid
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ImproperlyConfigured(f"{name} must be an origin such as https://reports.example.org, got {value!r}")
    return f"{parts.scheme}://{parts.netloc.lower()}"


# Report documents (the untrusted HTML/CSS/JS) are served from this separate origin when set: a
# host that never receives the site's cookies and serves nothing but documents and static files.
REPORTS_ORIGIN = _origin_setting("REPORTS_ORIGIN")
if REPORTS_ORIGIN and urlsplit(REPORTS_ORIGIN).hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, urlsplit(REPORTS_ORIGIN).hostname]

# --- Content-Security-Policy of every page (shared_components.security) ------------------------
# Sent by Django (security_headers_middleware), replayed by the page cache. No inline
# script anywhere ('self' only: pages are stored and replayed as bytes, so a per-request nonce
# would not fit); inline style attributes stay allowed (the dashboard's bar widths). Report
# documents send their own, stricter policy. An empty value sends none.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            # The service worker (/sw.js, same origin) and the web app manifest.
            "worker-src 'self'",
            "manifest-src 'self'",
            "frame-src " + (REPORTS_ORIGIN or "'self'"),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    ),
)

# --- i18n, time -------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
DISPLAY_TIME_ZONE = env_str("DISPLAY_TIME_ZONE", "Asia/Ho_Chi_Minh")
# Currencies a visitor may pick for prices (the first is the default); USD is the unit of every
# stored number, the others are converted with CoinGecko's exchange rates when they are known.
DISPLAY_CURRENCIES = [code.lower() for code in env_list("DISPLAY_CURRENCIES", ["usd", "vnd", "eur"])]
if "usd" not in DISPLAY_CURRENCIES:
    raise ImproperlyConfigured("DISPLAY_CURRENCIES must include usd: it is what prices fall back to")
# The site's own catalogue wins over the ones Django's apps ship (admin translates "History" otherwise).
LOCALE_PATHS = [BASE_DIR / "islands" / "shared_components" / "locale"]

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str("STATICFILES_BACKEND", "whitenoise.storage.CompressedManifestStaticFilesStorage")
    },
}

# --- Security ---------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# --- Redis credentials in error reports ---------------------------------------------------------
# REDIS_URL carries the Redis password: the debug page and error mails show it masked.
DEFAULT_EXCEPTION_REPORTER_FILTER = "cryptodash.reporting.UrlPasswordFilter"

from cryptodash.logformat import LOG_FORMATS, formatter_config  # noqa: E402  (plain Python)
from islands.cache_system.logfilters import REDIS_OUTAGE_LOGGERS  # noqa: E402  (no Django settings)
from islands.shared_components.logfilters import CLIENT_ERROR_LOGGERS  # noqa: E402  (no Django imports)

# --- Log format (LOG_FORMAT) ---
# plain (default) or json: one JSON object per line, for log shippers (cryptodash/logformat.py).
# Celery's worker and beat use this same LOGGING (cryptodash/celery.py); granian's own logger gets
# it through --log-config (the launcher writes the file).
LOG_FORMAT = env_str("LOG_FORMAT", "plain").strip().lower() or "plain"
if LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, got {LOG_FORMAT!r}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"main": formatter_config()},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "main"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # A request Django refuses for the client's input (bad Host, oversized body) is a 400, not a
    # server fault: logged as a WARNING line without traceback (islands/shared_components/logfilters.py).
    "filters": {
        "client_error": {"()": "islands.shared_components.logfilters.ClientErrorAsWarning"},
        # A Redis restart is an expected fault: one WARNING line, not a traceback per failed call.
        "redis_outage": {"()": "islands.cache_system.logfilters.RedisOutageAsWarning"},
    },
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        **{name: {"filters": ["client_error"]} for name in CLIENT_ERROR_LOGGERS},
        **{name: {"filters": ["redis_outage"]} for name in REDIS_OUTAGE_LOGGERS},
    },
}
