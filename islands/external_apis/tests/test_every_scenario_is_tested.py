"""Each scenario of the fake upstream's scenarios.json has its own test module here."""

from pathlib import Path

from islands.external_apis.fake_upstream.server import scenarios_load


def test_every_scenario_has_a_test_module():
    here = Path(__file__).parent
    missing = [name for name in scenarios_load() if not (here / f"test_{name}.py").exists()]
    assert missing == []
