/*
 * The home page's history chart: one summary field over 1 h, 24 h, 7 d or 30 d, from
 * GET /api/crypto/history (the stream for recent entries, the database backup for older ones).
 *
 * Plain JavaScript, no build step. It draws with createLineChart from static/js/charts.js and
 * formats values with window.CryptodashFormat when the page loaded it. Each point of the API is
 * the average of one time bucket; a bucket without data becomes a null, so an outage shows as a
 * gap in the line, never as a straight line across it. All text is set with textContent.
 *
 * Markup (islands/dashboard/templates/dashboard/_history_chart.html): an element with
 * [data-history-chart], holding [data-history-field] (a select), buttons with [data-range],
 * [data-history-plot] and [data-history-meta].
 */
(function () {
  "use strict";

  var REFRESH_MS = 60000;
  var DAY = 86400000;

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

  function timeLabel(spanMs, zone, lang) {
    var opts = spanMs <= DAY ? { hour: "2-digit", minute: "2-digit" }
      : spanMs <= 7 * DAY ? { weekday: "short", hour: "2-digit", minute: "2-digit" }
      : { day: "2-digit", month: "2-digit" };
    opts.timeZone = zone || undefined;
    opts.hour12 = false;
    var dtf;
    try {
      dtf = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "vi-VN", opts);
    } catch (e) {
      delete opts.timeZone;
      dtf = new Intl.DateTimeFormat(undefined, opts);
    }
    return function (ms) { return dtf.format(new Date(ms)); };
  }

  // One slot per bucket from the range's start to its end: missing buckets are null (gaps).
  function toSlots(body, label) {
    var bucket = body.bucket_ms;
    var first = Math.floor(body.start_ms / bucket);
    var last = Math.floor(body.end_ms / bucket);
    var values = [];
    var labels = [];
    for (var b = first; b <= last; b++) {
      values.push(null);
      labels.push(label(b * bucket + bucket / 2));
    }
    body.points.forEach(function (p) {
      var i = Math.floor(p[0] / bucket) - first;
      if (i >= 0 && i < values.length) values[i] = p[1];
    });
    return { labels: labels, values: values };
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
    var slots = toSlots(body, timeLabel(body.end_ms - body.start_ms, this.zone, this.lang));
    var options = {
      width: 960, height: 300, area: true, maxXLabels: 8,
      title: this.label(), format: formatter(this.kind(), this.lang)
    };
    this.plot.textContent = "";
    if (this.chart) this.chart.destroy();
    this.chart = window.createLineChart(this.plot, { labels: slots.labels, values: slots.values }, options);
    this.root.setAttribute("data-state", "ready");
    this.root.setAttribute("data-points", String(body.points.length));
    var template = this.root.getAttribute("data-label-meta") || "{points} · {table} + {stream}";
    var sources = body.sources || {};
    text(this.meta, template
      .replace("{points}", String(body.points.length))
      .replace("{table}", sources.table === null ? "\u2014" : String(sources.table))
      .replace("{stream}", String(sources.stream)));
  };

  function start() {
    if (typeof window.createLineChart !== "function" || !window.fetch) return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-history-chart]"), function (root) {
      root.historyChart = new HistoryChart(root);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
