/*
 * The home page's history chart: one summary field over 1 h, 24 h, 7 d or 30 d, from
 * GET /api/crypto/history (the stream for recent entries, the database backup for older ones).
 *
 * Plain JavaScript, no build step. It draws with CryptodashCharts.timeSeries (static/js/timechart.js
 * over the vendored uPlot) and formats values with window.CryptodashFormat when the page loaded it.
 * Each point of the API is the average of one time bucket (never finer than the data's cadence);
 * two points more than 2.5 buckets apart are not joined, so an outage shows as a gap in the line,
 * never as a straight line across it, and a late entry never does. All text is set with textContent.
 *
 * Markup (islands/dashboard/templates/dashboard/_history_chart.html): an element with
 * [data-history-chart], holding [data-history-field] (a select), buttons with [data-range],
 * [data-history-plot] and [data-history-meta].
 */
(function () {
  "use strict";

  var REFRESH_MS = 60000;

  function text(el, value) {
    if (el) el.textContent = value;
  }

  function formatter(kind, lang) {
    var fmt = window.CryptodashFormat;
    return function (v) {
      if (fmt && typeof fmt.format === "function") return fmt.format(v, kind, lang);
      return typeof v === "number" && isFinite(v) ? v.toLocaleString(lang) : "\u2014";
    };
  }

  function HistoryChart(root) {
    this.root = root;
    this.plot = root.querySelector("[data-history-plot]");
    this.meta = root.querySelector("[data-history-meta]");
    this.select = root.querySelector("[data-history-field]");
    this.buttons = Array.prototype.slice.call(root.querySelectorAll("button[data-range]"));
    this.field = (this.select && this.select.value) || root.getAttribute("data-field") || "btc_price_usd";
    this.range = root.getAttribute("data-range") || "24h";
    this.lang = root.getAttribute("data-lang") || document.documentElement.lang || "vi";
    this.zone = root.getAttribute("data-time-zone") || undefined;
    this.chart = null;
    this.request = 0;
    var self = this;
    this.buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        self.range = button.getAttribute("data-range");
        self.load();
      });
    });
    if (this.select) {
      this.select.addEventListener("change", function () {
        self.field = self.select.value;
        self.load();
      });
    }
    window.setInterval(function () {
      if (!document.hidden) self.load();
    }, REFRESH_MS);
    this.load();
  }

  HistoryChart.prototype.kind = function () {
    var option = this.select && this.select.selectedOptions ? this.select.selectedOptions[0] : null;
    return (option && option.getAttribute("data-kind")) || "number";
  };

  HistoryChart.prototype.label = function () {
    var option = this.select && this.select.selectedOptions ? this.select.selectedOptions[0] : null;
    return option ? option.textContent : this.field;
  };

  HistoryChart.prototype.load = function () {
    var self = this;
    var ticket = ++this.request;
    this.buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-range") === self.range));
    });
    this.root.setAttribute("data-state", "loading");
    var url = "/api/crypto/history?field=" + encodeURIComponent(this.field) + "&range=" + encodeURIComponent(this.range);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (reply) {
        if (ticket !== self.request) return;  // a newer click won
        if (reply.status === 200) self.draw(reply.body);
        else self.empty(reply.status === 503 ? self.root.getAttribute("data-label-empty") : reply.body.error);
      })
      .catch(function () {
        if (ticket === self.request) self.empty(self.root.getAttribute("data-label-error"));
      });
  };

  HistoryChart.prototype.empty = function (message) {
    this.root.setAttribute("data-state", "empty");
    if (this.chart) this.chart.destroy();
    this.chart = null;
    this.plot.textContent = "";
    var p = document.createElement("p");
    p.className = "history__empty";
    p.textContent = message || "\u2014";
    this.plot.appendChild(p);
    text(this.meta, "");
  };

  HistoryChart.prototype.draw = function (body) {
    if (!body.points.length) {
      this.empty(this.root.getAttribute("data-label-empty-range"));
      return;
    }
    var root = this.root;
    var label = this.label();
    var rangeLabel = this.rangeLabel();
    var options = {
      label: label,
      lang: this.lang,
      timeZone: this.zone,
      gapMs: 2.5 * body.bucket_ms,
      xRange: [body.start_ms, body.end_ms],
      format: formatter(this.kind(), this.lang),
      tableCaption: root.getAttribute("data-label-table"),
      tableTimeHeader: root.getAttribute("data-label-time"),
      describe: function (s) {
        return (root.getAttribute("data-label-describe") || "{label}, {range}: {first} \u2192 {last}")
          .replace("{label}", s.label).replace("{range}", rangeLabel)
          .replace("{first}", s.first).replace("{last}", s.last)
          .replace("{min}", s.min).replace("{max}", s.max);
      }
    };
    if (this.chart) this.chart.destroy();
    this.plot.textContent = "";
    this.chart = window.CryptodashCharts.timeSeries(this.plot, body.points, options);
    this.root.setAttribute("data-state", "ready");
    this.root.setAttribute("data-points", String(body.points.length));
    var template = this.root.getAttribute("data-label-meta") || "{points} · {step}";
    text(this.meta, template
      .replace("{points}", String(body.points.length))
      .replace("{step}", stepLabel(body.bucket_ms, this.lang)));
  };

  HistoryChart.prototype.rangeLabel = function () {
    var self = this;
    var pressed = this.buttons.filter(function (b) { return b.getAttribute("data-range") === self.range; })[0];
    return pressed ? pressed.getAttribute("title") || pressed.textContent : this.range;
  };

  // "10 s", "3 min", "1 h": how much time one point averages, in the page's language.
  function stepLabel(ms, lang) {
    var units = [[3600000, "hour"], [60000, "minute"], [1000, "second"]];
    for (var i = 0; i < units.length; i++) {
      if (ms >= units[i][0]) {
        var n = Math.round(ms / units[i][0]);
        try {
          return new Intl.NumberFormat(lang === "en" ? "en" : "vi", { style: "unit", unit: units[i][1], unitDisplay: "short" }).format(n);
        } catch (e) {
          return n + " " + units[i][1];
        }
      }
    }
    return ms + " ms";
  }

  function start() {
    if (!window.CryptodashCharts || !window.fetch) return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-history-chart]"), function (root) {
      root.historyChart = new HistoryChart(root);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
