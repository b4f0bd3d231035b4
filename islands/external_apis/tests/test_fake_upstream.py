"""The fake upstream server: scenario switching, sequences, the request log and the seeded walk."""

import requests

from islands.external_apis.fake_upstream.server import FakeUpstream


def test_it_switches_scenario_at_run_time_and_rejects_unknown_ones(fake_upstream):
    url = fake_upstream.url

    assert requests.post(f"{url}/__scenario", json={"name": "binance_geo_blocked"}, timeout=2).status_code == 200
    assert requests.get(f"{url}/binance/api/v3/ticker/24hr", timeout=2).status_code == 451
    bad = requests.post(f"{url}/__scenario", json={"name": "nope"}, timeout=2)
    assert bad.status_code == 400 and "normal" in bad.json()["scenarios"]
    assert requests.get(f"{url}/__scenario", timeout=2).json()["scenario"] == "binance_geo_blocked"


def test_it_serves_sequences_in_order_then_repeats_the_last(fake_upstream):
    fake_upstream.scenario_set("retry_then_ok")
    url = f"{fake_upstream.url}/binance/api/v3/ticker/24hr"

    statuses = [requests.get(url, timeout=2).status_code for _ in range(3)]

    assert statuses == [429, 200, 200]


def test_it_logs_requests_without_keys(fake_upstream):
    requests.get(f"{fake_upstream.url}/taapi/rsi", params={"secret": "s3cr3t", "symbol": "BTC/USDT"}, timeout=2)

    log = requests.get(f"{fake_upstream.url}/__requests", timeout=2).json()

    assert log[-1]["path"] == "/taapi/rsi" and log[-1]["key_sent"] is True
    assert "s3cr3t" not in str(log)
    assert requests.delete(f"{fake_upstream.url}/__requests", timeout=2).json() == {"cleared": True}
    assert requests.get(f"{fake_upstream.url}/__requests", timeout=2).json() == []


def test_prices_follow_a_seeded_random_walk():
    def btc_prices(seed: int) -> list[str]:
        server = FakeUpstream(seed=seed).start()
        try:
            url = f"{server.url}/binance/api/v3/ticker/24hr"
            return [requests.get(url, timeout=2).json()[0]["lastPrice"] for _ in range(3)]
        finally:
            server.stop()

    first, again, other = btc_prices(1), btc_prices(1), btc_prices(2)

    assert first == again
    assert len(set(first)) == 3 and first != other
