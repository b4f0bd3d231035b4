"""static/js/charts.js in Chromium: drawings, visible no-data states, gaps, text-only labels."""

import pytest

pytestmark = [pytest.mark.browser]


@pytest.fixture
def chart_page(live_server, page):
    page.goto(f"{live_server.url}/robots.txt")  # any same-origin page; the helpers need no markup
    page.set_content("<!doctype html><html lang='en'><body><div id='c' style='width:480px'></div></body></html>")
    page.add_script_tag(url=f"{live_server.url}/static/js/charts.js")
    return page


def test_every_helper_draws_svg_for_real_data(chart_page):
    kinds = chart_page.evaluate(
        """() => {
          const el = document.getElementById('c');
          const out = {};
          const calls = {
            gauge: () => createGauge(el, 42, {label: 'RSI'}),
            bar: () => createBarChart(el, [{label: 'A', value: 1}, {label: 'B', value: -2}]),
            line: () => createLineChart(el, {labels: ['a', 'b', 'c'], values: [1, 2, 3]}),
            doughnut: () => createDoughnutChart(el, [{label: 'x', value: 1}, {label: 'y', value: 3}]),
            sparkline: () => createSparkline(el, [1, 3, 2]),
          };
          for (const [name, call] of Object.entries(calls)) {
            call();
            out[name] = el.querySelectorAll('svg').length === 1 && !el.querySelector('[data-empty]');
          }
          return out;
        }"""
    )
    assert kinds == {"gauge": True, "bar": True, "line": True, "doughnut": True, "sparkline": True}


def test_missing_data_is_shown_as_no_data_never_as_zero(chart_page):
    states = chart_page.evaluate(
        """() => {
          const el = document.getElementById('c');
          const cases = [
            () => createGauge(el, null), () => createGauge(el, NaN), () => createBarChart(el, []),
            () => createLineChart(el, {labels: ['a'], values: [null]}),
            () => createDoughnutChart(el, [{label: 'x', value: 0}]),
            () => createSparkline(el, [null, undefined]), () => createBarChart(el, null),
          ];
          return cases.map(c => {
            c();
            const empty = el.querySelector('[data-empty]');
            return empty ? empty.textContent : 'drawn';
          });
        }"""
    )
    assert states == ["\u2014"] * 7


def test_a_gap_in_a_series_breaks_the_line_and_update_redraws(chart_page):
    result = chart_page.evaluate(
        """() => {
          const el = document.getElementById('c');
          const chart = createLineChart(el, {labels: ['a','b','c','d','e'], values: [1, 2, null, 4, 5]});
          const segments = (el.querySelector('path.cd-line').getAttribute('d').match(/M/g) || []).length;
          const gauge = createGauge(el, null, {emptyText: 'no data yet'});
          const before = el.textContent;
          gauge.update(73);
          return {segments, before, after: el.querySelector('.cd-gauge-number').textContent};
        }"""
    )
    assert result == {"segments": 2, "before": "no data yet", "after": "73"}


def test_labels_are_text_not_markup(chart_page):
    injected = chart_page.evaluate(
        """() => {
          const el = document.getElementById('c');
          createBarChart(el, [{label: '<img src=x onerror="window.pwned=1">', value: 1}]);
          return {imgs: el.querySelectorAll('img').length, pwned: window.pwned === 1,
                  labels: Array.from(el.querySelectorAll('text'), t => t.textContent)};
        }"""
    )
    assert injected["imgs"] == 0 and injected["pwned"] is False
    assert '<img src=x onerror="window.pwned=1">' in injected["labels"]


def test_the_generators_option_names_are_honoured(chart_page):
    """The report generator writes gauge segments [{limit, color, label}], valuePrefix/valueSuffix
    and a doughnut title as a plain string; each changes the drawing."""
    result = chart_page.evaluate(
        """() => {
          const el = document.getElementById('c');
          createGauge(el, 62, {min: 0, max: 100, valueSuffix: ' pts', segments: [
            {limit: 75, color: 'rgb(1, 2, 3)', label: 'Greed'}, {limit: 25, color: 'rgb(9, 9, 9)', label: 'Fear'},
            {limit: 100, color: 'rgb(4, 5, 6)', label: 'Extreme greed'}]});
          const gauge = {
            number: el.querySelector('.cd-gauge-number').textContent,
            stroke: el.querySelector('.cd-gauge-value').style.stroke,
            texts: Array.from(el.querySelectorAll('text'), (t) => t.textContent),
          };
          createBarChart(el, [{label: 'A', value: 1234}], {valuePrefix: '$', valueSuffix: 'B', locale: 'en'});
          const bar = Array.from(el.querySelectorAll('text'), (t) => t.textContent);
          createDoughnutChart(el, [{label: 'x', value: 1}, {label: 'y', value: 3}], {title: 'Split of the market'});
          const doughnut = {
            title: el.querySelector('.cd-chart-title') && el.querySelector('.cd-chart-title').textContent,
            name: el.querySelector('svg').getAttribute('aria-label'),
          };
          return {gauge, bar, doughnut};
        }"""
    )
    assert result["gauge"]["number"] == "62 pts"
    assert result["gauge"]["stroke"] == "rgb(1, 2, 3)"
    assert "Greed" in result["gauge"]["texts"]
    assert any(t.startswith("$") and t.endswith("B") for t in result["bar"])
    assert result["doughnut"] == {"title": "Split of the market", "name": "Split of the market"}
