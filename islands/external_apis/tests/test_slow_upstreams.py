"""Scenario `slow_upstreams`: TAAPI and alternative.me take 15 s. Read timeouts and the fetch
budget end the run long before that, so no task can reach its Celery time limit."""

import time

from django.conf import settings as django_settings

from islands.external_apis.services import summary_refresh
from islands.external_apis.tests.conftest import calls


def test_timeouts_bound_the_run_and_are_reported(fake_upstream, settings):
    settings.UPSTREAM_READ_TIMEOUT = 0.3
    settings.UPSTREAM_FETCH_BUDGET = 1.5
    fake_upstream.scenario_set("slow_upstreams")

    started = time.monotonic()
    summary = summary_refresh(sources=["rsi", "fear_greed"])
    elapsed = time.monotonic() - started

    assert elapsed < 15  # the upstreams' delay: nobody waited for it
    for source in ("taapi", "alternative_me"):
        assert summary["data_sources"][source]["status"] == "failed"
        assert "timed out" in summary["data_sources"][source]["error"]
        assert 1 <= len(calls(fake_upstream, source)) <= settings.UPSTREAM_MAX_ATTEMPTS
    assert summary["btc_rsi_14"] is None and summary["fng_value"] is None


def test_the_default_budget_fits_inside_the_soft_time_limit():
    # Feeds run in parallel; the slowest possible feed is its budget plus one last attempt's timeouts.
    worst = (
        django_settings.UPSTREAM_FETCH_BUDGET
        + django_settings.UPSTREAM_CONNECT_TIMEOUT
        + django_settings.UPSTREAM_READ_TIMEOUT
    )
    assert worst < django_settings.CELERY_TASK_SOFT_TIME_LIMIT
