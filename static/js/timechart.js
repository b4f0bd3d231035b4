/*
 * Time-series charts for cryptodash on the vendored uPlot (static/vendor/uplot, MIT, v1.6.32):
 * a line/area series and OHLC candles, each with a crosshair and a tooltip that follow the
 * mouse, a finger (pointer events: a horizontal drag moves the crosshair, a vertical one still
 * scrolls the page) and the arrow keys.
 *
 *   CryptodashCharts.timeSeries(container, points, options) -> chart
 *     points: [[epoch ms, value or null], ...] oldest first.
 *   CryptodashCharts.candles(container, rows, options) -> chart
 *     rows: [[epoch ms, open, high, low, close], ...] oldest first.
 *   chart.update(pointsOrRows), chart.destroy(), chart.segments (drawn line pieces), chart.plot (uPlot)
 *
 * options: label (the series' name), format(value) -> text, timeZone (IANA), lang ("vi"|"en"),
 * gapMs (two points further apart than this are not joined: the time between them had no data;
 * default 2.5x the median spacing), xRange ([start ms, end ms]: the span the x axis shows, so a
 * range with data only at its end says so; default: the data's own span), height, tableCaption /
 * tableTimeHeader (the data-table
 * alternative's texts), describe(summary) -> the chart's accessible name.
 *
 * Colours come from CSS custom properties on the container (--chart-1, --chart-text,
 * --chart-muted, --chart-grid, --chart-up, --chart-down) and are read again when the page's
 * theme changes. Nothing here injects a <style> or an inline script: the site's strict CSP holds
 * (uPlot positions its parts through the CSSOM, which style-src does not govern). All text is set
 * with textContent.
 */
(function (global) {
  "use strict";

  var uPlot = global.uPlot;

  function isNum(v) {
    return typeof v === "number" && isFinite(v);
  }

  function cssVar(el, name, fallback) {
    var v = global.getComputedStyle(el).getPropertyValue(name).trim();
    return v || fallback;
  }

  function median(xs) {
    if (!xs.length) return 0;
    var s = xs.slice().sort(function (a, b) { return a - b; });
    return s[Math.floor(s.length / 2)];
  }

  // Break the line only where the data really has a hole: consecutive points further apart than
  // gapMs get a null between them (uPlot never joins across a null).
  function withGaps(times, columns, gapMs) {
    var t = [];
    var cols = columns.map(function () { return []; });
    for (var i = 0; i < times.length; i++) {
      if (i > 0 && times[i] - times[i - 1] > gapMs) {
        t.push((times[i - 1] + times[i]) / 2);
        cols.forEach(function (c) { c.push(null); });
      }
      t.push(times[i]);
      cols.forEach(function (c, k) { c.push(columns[k][i]); });
    }
    return { times: t, columns: cols };
  }

  function countSegments(values) {
    var n = 0;
    var pen = false;
    values.forEach(function (v) {
      if (isNum(v)) {
        if (!pen) n++;
        pen = true;
      } else {
        pen = false;
      }
    });
    return n;
  }

  function dateFormatter(spanMs, zone, lang, detailed) {
    var day = 86400000;
    // Axis labels name what differs between ticks: seconds when the data spans a few minutes
    // (a new site's first history), else every label would read the same minute.
    var opts = detailed ? { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" }
      : spanMs <= 15 * 60000 ? { hour: "2-digit", minute: "2-digit", second: "2-digit" }
      : spanMs <= day ? { hour: "2-digit", minute: "2-digit" }
      : spanMs <= 7 * day ? { weekday: "short", hour: "2-digit" }
      : { day: "2-digit", month: "2-digit" };
    if (detailed && spanMs <= 2 * 3600000) opts.second = "2-digit";
    opts.hour12 = false;
    if (zone) opts.timeZone = zone;
    var locale = lang === "en" ? "en-GB" : "vi-VN";
    var dtf;
    try {
      dtf = new Intl.DateTimeFormat(locale, opts);
    } catch (e) {
      delete opts.timeZone;
      dtf = new Intl.DateTimeFormat(locale, opts);
    }
    return function (ms) { return dtf.format(new Date(ms)); };
  }

  function defaultFormat(lang) {
    return function (v) {
      return isNum(v) ? v.toLocaleString(lang === "en" ? "en-US" : "vi-VN", { maximumFractionDigits: 2 }) : "\u2014";
    };
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A drawing hook for candles, after uPlot's demos/candlestick-ohlc.html: a wick from low to high
  // and a body from open to close, green when the close is at or above the open.
  function candlePlugin(colors) {
    return {
      hooks: {
        draw: function (u) {
          var ctx = u.ctx;
          var d = u.data;
          var n = d[0].length;
          var slot = n > 1 ? (u.bbox.width / n) : u.bbox.width / 4;
          var bodyW = Math.max(1, Math.min(slot * 0.7, 24 * uPlot.pxRatio));
          ctx.save();
          for (var i = 0; i < n; i++) {
            var o = d[1][i], h = d[2][i], l = d[3][i], c = d[4][i];
            if (!isNum(o) || !isNum(h) || !isNum(l) || !isNum(c)) continue;
            var x = Math.round(u.valToPos(d[0][i], "x", true));
            var yo = u.valToPos(o, "y", true), yc = u.valToPos(c, "y", true);
            var yh = u.valToPos(h, "y", true), yl = u.valToPos(l, "y", true);
            ctx.fillStyle = ctx.strokeStyle = c >= o ? colors.up : colors.down;
            ctx.fillRect(x - Math.max(1, uPlot.pxRatio) / 2, Math.min(yh, yl), Math.max(1, uPlot.pxRatio), Math.abs(yl - yh));
            ctx.fillRect(Math.round(x - bodyW / 2), Math.min(yo, yc), Math.round(bodyW), Math.max(1, Math.abs(yc - yo)));
          }
          ctx.restore();
        }
      }
    };
  }

  function Chart(container, kind, rows, options) {
    if (!uPlot) throw new Error("cryptodash charts: uPlot is not loaded");
    this.container = typeof container === "string" ? document.getElementById(container) : container;
    this.kind = kind;
    this.options = options || {};
    this.lang = this.options.lang || document.documentElement.lang || "vi";
    this.format = this.options.format || defaultFormat(this.lang);
    this.segments = 0;
    this.plot = null;
    this.index = null;
    this.build(rows);
    var self = this;
    if (global.ResizeObserver) {
      this.resizer = new ResizeObserver(function () { self.resize(); });
      this.resizer.observe(this.container);
    }
    // The theme toggle flips html[data-theme]: canvas colours are read from CSS again.
    this.themeWatch = new MutationObserver(function () { self.build(self.rows); });
    this.themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  }

  Chart.prototype.size = function () {
    var width = Math.max(200, Math.floor(this.container.clientWidth || 320));
    var height = this.options.height || Math.round(Math.max(200, Math.min(320, width * 0.5)));
    return { width: width, height: height };
  };

  Chart.prototype.resize = function () {
    if (!this.plot) return;
    var s = this.size();
    if (s.width !== this.plot.width || s.height !== this.plot.height) this.plot.setSize(s);
  };

  Chart.prototype.colors = function () {
    var c = this.container;
    return {
      line: cssVar(c, "--chart-1", "#2f6fed"),
      text: cssVar(c, "--chart-text", "#16202e"),
      muted: cssVar(c, "--chart-muted", "#5b6778"),
      grid: cssVar(c, "--chart-grid", "#dde2ea"),
      up: cssVar(c, "--chart-up", "#0f7a45"),
      down: cssVar(c, "--chart-down", "#c9353b")
    };
  };

  Chart.prototype.data = function (rows) {
    var times = rows.map(function (r) { return r[0]; });
    var width = this.kind === "candles" ? 5 : 2;
    var columns = [];
    for (var k = 1; k < width; k++) {
      columns.push(rows.map(function (r) { return isNum(r[k]) ? r[k] : null; }));
    }
    var steps = [];
    for (var i = 1; i < times.length; i++) steps.push(times[i] - times[i - 1]);
    var gapMs = this.options.gapMs || 2.5 * (median(steps) || 60000);
    var filled = withGaps(times, columns, gapMs);
    return [filled.times.map(function (ms) { return ms / 1000; })].concat(filled.columns);
  };

  Chart.prototype.build = function (rows) {
    this.rows = rows || [];
    if (this.plot) this.plot.destroy();
    this.container.textContent = "";
    var self = this;
    var colors = this.colors();
    var data = this.data(this.rows);
    var xRange = this.options.xRange;
    var spanMs = xRange ? xRange[1] - xRange[0]
      : this.rows.length ? this.rows[this.rows.length - 1][0] - this.rows[0][0] : 0;
    var axisTime = dateFormatter(spanMs, this.options.timeZone, this.lang, false);
    this.tipTime = dateFormatter(spanMs, this.options.timeZone, this.lang, true);
    var closes = data[this.kind === "candles" ? 4 : 1];
    this.segments = countSegments(closes);

    var figure = el("div", "cd-timechart");
    var plotBox = el("div", "cd-timechart__plot");
    plotBox.setAttribute("role", "img");
    plotBox.setAttribute("tabindex", "0");
    plotBox.setAttribute("aria-label", this.describe(closes));
    var tip = el("div", "cd-timechart__tip");
    tip.hidden = true;
    tip.setAttribute("aria-live", "polite");
    figure.appendChild(plotBox);
    this.container.appendChild(figure);
    this.container.appendChild(this.table(closes));
    this.container.setAttribute("data-segments", String(this.segments));
    this.tip = tip;
    this.plotBox = plotBox;

    var font = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
    var axis = {
      stroke: colors.muted,
      font: font,
      grid: { stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid, width: 1, size: 4 }
    };
    var s = this.size();
    var series = [{}];
    if (this.kind === "candles") {
      ["open", "high", "low", "close"].forEach(function (name) {
        series.push({ label: name, stroke: "transparent", points: { show: false } });
      });
    } else {
      series.push({
        label: this.options.label || "",
        stroke: colors.line,
        width: 2,
        fill: colors.line + "22",
        spanGaps: false,
        points: { show: function (u, si, i0, i1) { return i1 - i0 < 60; }, size: 5 }
      });
    }
    var opts = {
      width: s.width,
      height: s.height,
      pxAlign: 0,
      legend: { show: false },
      // Room on the right for the last time label, which is centred on its tick.
      padding: [12, 20, 0, 0],
      cursor: {
        x: true,
        y: false,
        drag: { x: false, y: false },
        points: { size: 9, fill: colors.line, stroke: colors.text }
      },
      scales: {
        x: {
          time: true,
          range: function (u, min, max) {
            if (xRange) return [xRange[0] / 1000, xRange[1] / 1000];
            // One point (or one instant) still gets an axis: half an hour either side.
            return min === max || min === null ? [(min || 0) - 1800, (max || 0) + 1800] : [min, max];
          }
        },
        y: {
          range: function (u, min, max) {
            if (min === null || max === null) return [0, 1];
            // A flat series (or one point) sits in the middle of a band ±1 % around it.
            var pad = max > min ? (max - min) * 0.08 : Math.abs(max) * 0.01 || 1;
            return [min - pad, max + pad];
          }
        }
      },
      series: series,
      axes: [
        Object.assign({}, axis, {
          space: 70,
          values: function (u, splits) { return splits.map(function (v) { return axisTime(v * 1000); }); }
        }),
        Object.assign({}, axis, {
          size: function (u, values) {
            if (!values) return 50;
            var longest = values.reduce(function (m, v) { return Math.max(m, String(v).length); }, 0);
            return Math.min(110, 14 + longest * 7.2);
          },
          values: function (u, splits) { return splits.map(function (v) { return self.format(v); }); }
        })
      ],
      hooks: {
        setCursor: [function (u) { self.showTip(u.cursor.idx, u.cursor.left); }]
      },
      plugins: this.kind === "candles" ? [candlePlugin(colors)] : []
    };
    if (this.kind === "candles") {
      opts.scales.y = {
        range: function (u) {
          var lo = Infinity, hi = -Infinity;
          for (var i = 0; i < u.data[0].length; i++) {
            if (isNum(u.data[3][i])) lo = Math.min(lo, u.data[3][i]);
            if (isNum(u.data[2][i])) hi = Math.max(hi, u.data[2][i]);
          }
          if (!isFinite(lo)) return [0, 1];
          var pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.01 || 1;
          return [lo - pad, hi + pad];
        }
      };
    }
    this.plot = new uPlot(opts, data, plotBox);
    this.plot.over.appendChild(tip);
    this.bindPointer();
    this.bindKeys();
  };

  Chart.prototype.describe = function (values) {
    var nums = values.filter(isNum);
    var summary = {
      label: this.options.label || "",
      first: nums.length ? this.format(nums[0]) : "\u2014",
      last: nums.length ? this.format(nums[nums.length - 1]) : "\u2014",
      min: nums.length ? this.format(Math.min.apply(null, nums)) : "\u2014",
      max: nums.length ? this.format(Math.max.apply(null, nums)) : "\u2014",
      points: nums.length
    };
    if (typeof this.options.describe === "function") return this.options.describe(summary);
    return summary.label + ": " + summary.first + " \u2192 " + summary.last + " (min " + summary.min + ", max " + summary.max + ")";
  };

  // The data-table alternative: the same points as text, in a closed <details> under the chart.
  Chart.prototype.table = function () {
    var details = el("details", "cd-timechart__table");
    details.appendChild(el("summary", "", this.options.tableCaption || (this.lang === "en" ? "Show as a table" : "Xem dạng bảng")));
    var wrap = el("div", "cd-timechart__table-wrap");
    // A scrolling box must be reachable by keyboard to be read (axe: scrollable-region-focusable).
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", this.options.label || "");
    var table = el("table");
    var head = el("tr");
    var candle = this.kind === "candles";
    var heads = [this.options.tableTimeHeader || (this.lang === "en" ? "Time" : "Thời gian")];
    if (candle) heads = heads.concat(this.options.ohlcHeaders || ["O", "H", "L", "C"]);
    else heads.push(this.options.label || "");
    heads.forEach(function (h) {
      var th = el("th", "", h);
      th.setAttribute("scope", "col");
      head.appendChild(th);
    });
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = el("tbody");
    var self = this;
    // Rows are written when the table is first opened (a year of hours is 8,760 of them), newest
    // first: the row a reader wants is the latest one.
    details.addEventListener("toggle", function () {
      if (!details.open || body.firstChild) return;
      self.rows.slice().reverse().forEach(function (r) {
        var tr = el("tr");
        tr.appendChild(el("td", "", self.tipTime(r[0])));
        for (var k = 1; k < (candle ? 5 : 2); k++) tr.appendChild(el("td", "", self.format(r[k])));
        body.appendChild(tr);
      });
    });
    table.appendChild(body);
    wrap.appendChild(table);
    details.appendChild(wrap);
    return details;
  };

  Chart.prototype.showTip = function (idx, left) {
    var u = this.plot;
    var tip = this.tip;
    if (!u || !tip) return;
    var t = idx === null || idx === undefined ? null : u.data[0][idx];
    var v = idx === null || idx === undefined ? null : u.data[this.kind === "candles" ? 4 : 1][idx];
    if (t === null || !isNum(v)) {
      tip.hidden = true;
      this.index = idx === undefined ? null : idx;
      return;
    }
    this.index = idx;
    tip.textContent = "";
    tip.appendChild(el("span", "cd-timechart__tip-time", this.tipTime(t * 1000)));
    if (this.kind === "candles") {
      var d = u.data;
      var names = this.options.ohlcHeaders || ["O", "H", "L", "C"];
      for (var k = 1; k <= 4; k++) tip.appendChild(el("span", "", names[k - 1] + " " + this.format(d[k][idx])));
    } else {
      tip.appendChild(el("strong", "", this.format(v)));
    }
    tip.hidden = false;
    var x = isNum(left) ? left : u.valToPos(t, "x");
    var w = tip.offsetWidth;
    var maxLeft = u.over.clientWidth - w;
    var pos = Math.max(0, Math.min(maxLeft, x + 12 > maxLeft ? x - w - 12 : x + 12));
    tip.style.transform = "translate(" + Math.round(pos) + "px, 4px)";
  };

  Chart.prototype.bindPointer = function () {
    var u = this.plot;
    var over = u.over;
    // uPlot follows the mouse itself; fingers and pens move the crosshair through pointer events.
    over.addEventListener("pointerdown", function (e) {
      if (e.pointerType === "mouse") return;
      var r = over.getBoundingClientRect();
      u.setCursor({ left: e.clientX - r.left, top: e.clientY - r.top });
    });
    over.addEventListener("pointermove", function (e) {
      if (e.pointerType === "mouse") return;
      var r = over.getBoundingClientRect();
      u.setCursor({ left: e.clientX - r.left, top: e.clientY - r.top });
    });
  };

  Chart.prototype.bindKeys = function () {
    var self = this;
    var box = this.plotBox;
    box.addEventListener("keydown", function (e) {
      var u = self.plot;
      var n = u.data[0].length;
      if (!n) return;
      var i = self.index === null || self.index === undefined ? n - 1 : self.index;
      var closes = u.data[self.kind === "candles" ? 4 : 1];
      var step = e.key === "ArrowLeft" ? -1 : e.key === "ArrowRight" ? 1 : 0;
      if (e.key === "Home") i = 0;
      else if (e.key === "End") i = n - 1;
      else if (step) {
        do { i += step; } while (i > 0 && i < n - 1 && !isNum(closes[i]));
        i = Math.max(0, Math.min(n - 1, i));
      } else return;
      e.preventDefault();
      u.setCursor({ left: u.valToPos(u.data[0][i], "x"), top: u.bbox.height / (2 * uPlot.pxRatio) });
    });
    box.addEventListener("blur", function () { self.tip.hidden = true; });
  };

  Chart.prototype.update = function (rows) {
    this.build(rows);
    return this;
  };

  Chart.prototype.destroy = function () {
    if (this.resizer) this.resizer.disconnect();
    if (this.themeWatch) this.themeWatch.disconnect();
    if (this.plot) this.plot.destroy();
    this.plot = null;
    this.container.textContent = "";
    this.container.removeAttribute("data-segments");
  };

  global.CryptodashCharts = {
    timeSeries: function (container, points, options) { return new Chart(container, "line", points, options); },
    candles: function (container, rows, options) { return new Chart(container, "candles", rows, options); }
  };
})(window);
