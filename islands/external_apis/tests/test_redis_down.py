"""Without Redis no process can know the shared quotas or Retry-Afters: the refresh calls no
upstream, raises nothing and reports every value as unknown."""

from islands.cache_system.redis_client import redis_clients_reset
from islands.cache_system.stores import stores_reset
from islands.external_apis.selectors import rate_limit_status, source_states
from islands.external_apis.services import summary_refresh


def test_it_fails_closed_when_redis_is_down(fake_upstream, settings, redis_server_factory):
    server = redis_server_factory()
    settings.REDIS_URL = server.url
    redis_clients_reset()
    stores_reset()
    server.stop()

    summary = summary_refresh()

    assert fake_upstream.requests() == []
    assert summary["btc_price_usd"] is None and summary["partial_failure"] is True
    assert source_states()["binance"]["breaker"] is None  # unknown, not invented
    assert rate_limit_status()["coingecko"]["remaining"] is None
