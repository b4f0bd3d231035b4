/*
 * Chart helpers for cryptodash: gauges, bar, line and doughnut charts and sparklines drawn as SVG.
 *
 * Plain JavaScript with no dependencies and no network access, so that it runs unchanged on the
 * dashboard and inside a report's sandboxed frame (whose Content-Security-Policy allows this file
 * and nothing else from the site). Every helper takes (container element or id, data, options),
 * draws only inside that container and returns {element, update(data), destroy()}.
 *
 * Missing data is never drawn as zero: null, undefined, NaN or an empty series shows a visible
 * "no data" mark ("—" unless options.emptyText says otherwise).
 *
 * Colours come from CSS custom properties so that a page switches light/dark by changing
 * variables (or a [data-theme="dark"] ancestor): --chart-text, --chart-muted, --chart-grid,
 * --chart-track, --chart-up, --chart-down and --chart-1 … --chart-6. options.theme ("light" or
 * "dark") picks the built-in fallbacks when the page defines no variables.
 *
 * All text is set with textContent: labels from report data can never become markup.
 */
(function (global) {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";

  var FALLBACKS = {
    light: {
      text: "#1f2937", muted: "#6b7280", grid: "#e5e7eb", track: "#e5e7eb",
      up: "#059669", down: "#dc2626",
      palette: ["#2563eb", "#f59e0b", "#10b981", "#8b5cf6", "#ef4444", "#06b6d4"]
    },
    dark: {
      text: "#e5e7eb", muted: "#9ca3af", grid: "#374151", track: "#374151",
      up: "#34d399", down: "#f87171",
      palette: ["#60a5fa", "#fbbf24", "#34d399", "#a78bfa", "#f87171", "#22d3ee"]
    }
  };

  function resolveContainer(target) {
    var el = typeof target === "string" ? document.getElementById(target) : target;
    if (!el || el.nodeType !== 1) {
      throw new Error("cryptodash charts: container not found: " + String(target));
    }
    return el;
  }

  function isNumber(v) {
    return typeof v === "number" && isFinite(v);
  }

  function toNumber(v) {
    if (v === null || v === undefined || v === "") return null;
    var n = typeof v === "number" ? v : Number(v);
    return isFinite(n) ? n : null;
  }

  function themeOf(container, options) {
    if (options.theme === "dark" || options.theme === "light") return options.theme;
    var themed = container.closest ? container.closest("[data-theme]") : null;
    return themed && themed.getAttribute("data-theme") === "dark" ? "dark" : "light";
  }

  function colour(name, theme) {
    var fb = FALLBACKS[theme];
    var match = /^(\d)$/.exec(name);
    var fallback = match ? fb.palette[(Number(match[1]) - 1) % fb.palette.length] : fb[name];
    return "var(--chart-" + name + ", " + fallback + ")";
  }

  function seriesColour(index, theme, explicit) {
    if (explicit) return explicit;
    return colour(String((index % 6) + 1), theme);
  }

  function svgEl(tag, attrs, style) {
    var el = document.createElementNS(SVG_NS, tag);
    var key;
    for (key in attrs) {
      if (Object.prototype.hasOwnProperty.call(attrs, key)) el.setAttribute(key, String(attrs[key]));
    }
    // Styles go through the CSSOM, which a strict style-src still allows, and they accept var().
    for (key in style || {}) {
      if (Object.prototype.hasOwnProperty.call(style, key)) el.style.setProperty(key, style[key]);
    }
    return el;
  }

  function svgText(x, y, text, style, attrs) {
    var merged = { x: x, y: y };
    for (var key in attrs || {}) merged[key] = attrs[key];
    var el = svgEl("text", merged, style);
    el.textContent = text;
    return el;
  }

  function rootSvg(width, height, title) {
    var svg = svgEl("svg", {
      viewBox: "0 0 " + width + " " + height,
      role: "img",
      "aria-label": title || "chart",
      preserveAspectRatio: "xMidYMid meet",
      "class": "cd-chart"
    }, {
      width: "100%", height: "auto", display: "block", overflow: "visible",
      // Grow with the container, but not so far that labels turn into headlines.
      "max-width": Math.round(width * 1.35) + "px", margin: "0 auto"
    });
    if (title) {
      var t = svgEl("title", {});
      t.textContent = title;
      svg.appendChild(t);
    }
    return svg;
  }

  function defaultFormat(options) {
    var decimals = isNumber(options.decimals) ? options.decimals : null;
    var locale = options.locale || (document.documentElement.lang || undefined);
    return function (v) {
      if (!isNumber(v)) return options.emptyText || "\u2014";
      var opts = decimals === null ? { maximumFractionDigits: Math.abs(v) >= 100 ? 0 : 2 }
        : { minimumFractionDigits: decimals, maximumFractionDigits: decimals };
      var s;
      try {
        s = v.toLocaleString(locale, opts);
      } catch (e) {
        s = String(v);
      }
      return (options.prefix || "") + s + (options.unit || "");
    };
  }

  function emptyState(container, options) {
    var box = document.createElement("div");
    box.className = "cd-chart-empty";
    box.setAttribute("role", "img");
    box.setAttribute("aria-label", options.emptyLabel || options.emptyText || "no data");
    box.setAttribute("data-empty", "true");
    box.style.setProperty("display", "flex");
    box.style.setProperty("align-items", "center");
    box.style.setProperty("justify-content", "center");
    box.style.setProperty("min-height", (options.emptyHeight || 48) + "px");
    box.style.setProperty("color", colour("muted", themeOf(container, options)));
    box.style.setProperty("font-size", "1.25em");
    box.textContent = options.emptyText || "\u2014";
    if (options.title) box.title = options.title;
    return box;
  }

  function mount(container, node) {
    while (container.firstChild) container.removeChild(container.firstChild);
    container.appendChild(node);
    return node;
  }

  /* The report generator's option names, mapped onto ours: valuePrefix / valueSuffix (prefix /
     unit), a gauge's segments [{limit, color, label}] (bands; the label of the segment holding the
     value is shown when no label is given), and a title given as {text} (Chart.js style). */
  function normaliseOptions(options) {
    var opts = {};
    var key;
    for (key in options || {}) {
      if (Object.prototype.hasOwnProperty.call(options, key)) opts[key] = options[key];
    }
    if (opts.valuePrefix !== undefined && opts.prefix === undefined) opts.prefix = String(opts.valuePrefix);
    if (opts.valueSuffix !== undefined && opts.unit === undefined) opts.unit = String(opts.valueSuffix);
    if (Array.isArray(opts.segments) && !opts.bands) {
      opts.bands = opts.segments.map(function (seg) {
        return { to: toNumber(seg && seg.limit), color: seg && seg.color, label: seg && seg.label };
      }).filter(function (band) { return band.to !== null; })
        .sort(function (a, b) { return a.to - b.to; });
    }
    if (opts.title && typeof opts.title === "object") opts.title = opts.title.text ? String(opts.title.text) : "";
    return opts;
  }

  function makeChart(target, data, options, draw) {
    var container = resolveContainer(target);
    var opts = normaliseOptions(options);
    var current = null;
    function render(d) {
      var node = draw(container, d, opts);
      current = mount(container, node || emptyState(container, opts));
      return current;
    }
    render(data);
    return {
      get element() { return current; },
      update: function (d) { return render(d); },
      destroy: function () {
        while (container.firstChild) container.removeChild(container.firstChild);
        current = null;
      }
    };
  }

  /* A series is {labels: [...], datasets: [{label, values, color}]}; simpler shapes are accepted:
     [1, 2, 3], [{label, value}], {labels, values}. */
  function normaliseSeries(data) {
    if (!data) return null;
    var labels = [];
    var datasets = [];
    if (Array.isArray(data)) {
      if (data.length && typeof data[0] === "object" && data[0] !== null) {
        labels = data.map(function (d) { return d.label !== undefined ? String(d.label) : (d.x !== undefined ? String(d.x) : ""); });
        datasets = [{ label: "", values: data.map(function (d) { return toNumber(d.value !== undefined ? d.value : d.y); }),
          colors: data.map(function (d) { return d.color || null; }) }];
      } else {
        labels = data.map(function (_, i) { return String(i + 1); });
        datasets = [{ label: "", values: data.map(toNumber) }];
      }
    } else if (Array.isArray(data.datasets)) {
      labels = (data.labels || []).map(String);
      datasets = data.datasets.map(function (ds) {
        return { label: ds.label || "", values: (ds.values || ds.data || []).map(toNumber), color: ds.color || null };
      });
    } else if (Array.isArray(data.values)) {
      labels = (data.labels || data.values.map(function (_, i) { return String(i + 1); })).map(String);
      datasets = [{ label: data.label || "", values: data.values.map(toNumber), color: data.color || null }];
    } else {
      return null;
    }
    var n = 0;
    datasets.forEach(function (ds) { n = Math.max(n, ds.values.length); });
    while (labels.length < n) labels.push(String(labels.length + 1));
    var any = datasets.some(function (ds) { return ds.values.some(isNumber); });
    return any ? { labels: labels, datasets: datasets, length: n } : null;
  }

  function extent(series, options, includeZero) {
    var lo = Infinity;
    var hi = -Infinity;
    series.datasets.forEach(function (ds) {
      ds.values.forEach(function (v) {
        if (isNumber(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      });
    });
    if (includeZero) { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
    if (isNumber(options.min)) lo = options.min;
    if (isNumber(options.max)) hi = options.max;
    if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 1; hi += Math.abs(hi) * 0.1 || 1; }
    return [lo, hi];
  }

  function niceTicks(lo, hi, count) {
    var span = hi - lo;
    var step = Math.pow(10, Math.floor(Math.log10(span / count)));
    var err = (count * step) / span;
    if (err <= 0.15) step *= 10; else if (err <= 0.35) step *= 5; else if (err <= 0.75) step *= 2;
    var ticks = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
      ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return ticks;
  }

  function legend(svg, series, theme, x, y, width) {
    if (series.datasets.length < 2) return;
    var cursor = x;
    series.datasets.forEach(function (ds, i) {
      var c = seriesColour(i, theme, ds.color);
      svg.appendChild(svgEl("rect", { x: cursor, y: y - 9, width: 10, height: 10, rx: 2 }, { fill: c }));
      var label = svgText(cursor + 14, y, ds.label, { fill: colour("text", theme), "font-size": "11px" });
      svg.appendChild(label);
      cursor += 24 + Math.min(width / series.datasets.length, 8 + ds.label.length * 6.5);
    });
  }

  function axes(svg, box, lo, hi, options, theme, fmt) {
    niceTicks(lo, hi, options.ticks || 4).forEach(function (t) {
      var y = box.y + box.h - ((t - lo) / (hi - lo)) * box.h;
      svg.appendChild(svgEl("line", { x1: box.x, x2: box.x + box.w, y1: y, y2: y },
        { stroke: colour("grid", theme), "stroke-width": "1" }));
      svg.appendChild(svgText(box.x - 6, y + 4, fmt(t),
        { fill: colour("muted", theme), "font-size": "10px" }, { "text-anchor": "end" }));
    });
  }

  function drawGauge(container, data, options) {
    var value = toNumber(data !== null && typeof data === "object" ? data.value : data);
    if (value === null) return null;
    var theme = themeOf(container, options);
    var min = isNumber(options.min) ? options.min : 0;
    var max = isNumber(options.max) ? options.max : 100;
    var fmt = options.format || defaultFormat(options);
    var clamped = Math.max(min, Math.min(max, value));
    var fraction = max > min ? (clamped - min) / (max - min) : 0;
    var W = 200, H = 128, cx = 100, cy = 104, r = 80, stroke = 16;

    function arc(from, to) {
      var a0 = Math.PI * (1 - from), a1 = Math.PI * (1 - to);
      var x0 = cx + r * Math.cos(a0), y0 = cy - r * Math.sin(a0);
      var x1 = cx + r * Math.cos(a1), y1 = cy - r * Math.sin(a1);
      return "M " + x0.toFixed(2) + " " + y0.toFixed(2) + " A " + r + " " + r + " 0 0 1 " + x1.toFixed(2) + " " + y1.toFixed(2);
    }

    var bandColour = options.color || colour("1", theme);
    var bandLabel = null;
    (options.bands || []).some(function (band) {
      if (value <= band.to) {
        bandColour = band.color || bandColour;
        bandLabel = band.label || null;
        return true;
      }
      return false;
    });
    var label = options.label || bandLabel;

    var svg = rootSvg(W, H, options.title || (label ? label + ": " + fmt(value) : fmt(value)));
    svg.appendChild(svgEl("path", { d: arc(0, 1), fill: "none", "stroke-linecap": "round" },
      { stroke: colour("track", theme), "stroke-width": String(stroke) }));
    if (fraction > 0.001) {
      svg.appendChild(svgEl("path", { d: arc(0, fraction), fill: "none", "stroke-linecap": "round", "class": "cd-gauge-value" },
        { stroke: bandColour, "stroke-width": String(stroke) }));
    }
    svg.appendChild(svgText(cx, cy - 12, fmt(value),
      { fill: colour("text", theme), "font-size": "26px", "font-weight": "700" },
      { "text-anchor": "middle", "class": "cd-gauge-number" }));
    if (label) {
      svg.appendChild(svgText(cx, cy + 14, label,
        { fill: colour("muted", theme), "font-size": "12px" }, { "text-anchor": "middle" }));
    }
    if (options.showRange !== false) {
      svg.appendChild(svgText(cx - r, cy + 18, String(min), { fill: colour("muted", theme), "font-size": "10px" }, { "text-anchor": "middle" }));
      svg.appendChild(svgText(cx + r, cy + 18, String(max), { fill: colour("muted", theme), "font-size": "10px" }, { "text-anchor": "middle" }));
    }
    return svg;
  }

  function drawBar(container, data, options) {
    var series = normaliseSeries(data);
    if (!series) return null;
    var theme = themeOf(container, options);
    var fmt = options.format || defaultFormat(options);
    var horizontal = !!options.horizontal;
    var W = options.width || 480;
    var rowH = 26;
    var H = options.height || (horizontal ? 24 + series.length * rowH * Math.max(1, series.datasets.length * 0.8) : 260);
    var ext = extent(series, options, true);
    var lo = ext[0], hi = ext[1];
    var legendSpace = series.datasets.length > 1 ? 22 : 0;
    var svg = rootSvg(W, H + legendSpace, options.title);
    var nSets = series.datasets.length;

    if (horizontal) {
      var labelW = options.labelWidth || 110;
      var box = { x: labelW, y: 6, w: W - labelW - 64, h: H - 12 };
      var band = box.h / series.length;
      var zeroX = box.x + ((0 - lo) / (hi - lo)) * box.w;
      svg.appendChild(svgEl("line", { x1: zeroX, x2: zeroX, y1: box.y, y2: box.y + box.h }, { stroke: colour("grid", theme) }));
      series.labels.forEach(function (label, i) {
        var yMid = box.y + band * i + band / 2;
        svg.appendChild(svgText(labelW - 8, yMid + 4, label, { fill: colour("text", theme), "font-size": "12px" }, { "text-anchor": "end" }));
        series.datasets.forEach(function (ds, k) {
          var v = ds.values[i];
          var barH = (band * 0.7) / nSets;
          var y = box.y + band * i + band * 0.15 + k * barH;
          if (!isNumber(v)) {
            svg.appendChild(svgText(box.x + box.w + 8, y + barH / 2 + 4, options.emptyText || "\u2014", { fill: colour("muted", theme), "font-size": "11px" }));
            return;
          }
          var x = box.x + ((Math.min(v, 0) - lo) / (hi - lo)) * box.w;
          var w = Math.max(1, (Math.abs(v) / (hi - lo)) * box.w);
          var fill = options.signColors ? colour(v >= 0 ? "up" : "down", theme)
            : (ds.colors && ds.colors[i]) || seriesColour(k, theme, ds.color);
          svg.appendChild(svgEl("rect", { x: x, y: y, width: w, height: Math.max(1, barH - 2), rx: 2, "class": "cd-bar" }, { fill: fill }));
          // Values sit in their own column on the right, clear of the row labels and of each other.
          svg.appendChild(svgText(box.x + box.w + 8, y + barH / 2 + 3, fmt(v),
            { fill: colour("muted", theme), "font-size": "11px" }, { "text-anchor": "start" }));
        });
      });
    } else {
      var boxV = { x: 56, y: 10, w: W - 66, h: H - 44 };
      axes(svg, boxV, lo, hi, options, theme, fmt);
      var slot = boxV.w / series.length;
      var zeroY = boxV.y + boxV.h - ((0 - lo) / (hi - lo)) * boxV.h;
      series.labels.forEach(function (label, i) {
        var xMid = boxV.x + slot * i + slot / 2;
        svg.appendChild(svgText(xMid, boxV.y + boxV.h + 16, label, { fill: colour("text", theme), "font-size": "11px" }, { "text-anchor": "middle" }));
        series.datasets.forEach(function (ds, k) {
          var v = ds.values[i];
          var barW = (slot * 0.7) / nSets;
          var x = boxV.x + slot * i + slot * 0.15 + k * barW;
          if (!isNumber(v)) {
            svg.appendChild(svgText(x + barW / 2, zeroY - 4, options.emptyText || "\u2014", { fill: colour("muted", theme), "font-size": "11px" }, { "text-anchor": "middle" }));
            return;
          }
          var yTop = boxV.y + boxV.h - ((Math.max(v, 0) - lo) / (hi - lo)) * boxV.h;
          var h = Math.max(1, (Math.abs(v) / (hi - lo)) * boxV.h);
          var fill = options.signColors ? colour(v >= 0 ? "up" : "down", theme)
            : (ds.colors && ds.colors[i]) || seriesColour(k, theme, ds.color);
          var rect = svgEl("rect", { x: x, y: yTop, width: Math.max(1, barW - 2), height: h, rx: 2, "class": "cd-bar" }, { fill: fill });
          var tip = svgEl("title", {});
          tip.textContent = label + (ds.label ? " \u00b7 " + ds.label : "") + ": " + fmt(v);
          rect.appendChild(tip);
          svg.appendChild(rect);
        });
      });
      svg.appendChild(svgEl("line", { x1: boxV.x, x2: boxV.x + boxV.w, y1: zeroY, y2: zeroY }, { stroke: colour("muted", theme) }));
    }
    legend(svg, series, theme, horizontal ? 8 : 56, H + legendSpace - 4, W);
    return svg;
  }

  function pathFor(values, xAt, yAt) {
    // A null breaks the line: a gap is shown as a gap, never interpolated across.
    var d = "";
    var pen = false;
    values.forEach(function (v, i) {
      if (!isNumber(v)) { pen = false; return; }
      d += (pen ? " L " : " M ") + xAt(i).toFixed(2) + " " + yAt(v).toFixed(2);
      pen = true;
    });
    return d.trim();
  }

  function drawLine(container, data, options) {
    var series = normaliseSeries(data);
    if (!series) return null;
    var theme = themeOf(container, options);
    var fmt = options.format || defaultFormat(options);
    var W = options.width || 480, H = options.height || 240;
    var ext = extent(series, options, !!options.includeZero);
    var lo = ext[0], hi = ext[1];
    var legendSpace = series.datasets.length > 1 ? 22 : 0;
    var svg = rootSvg(W, H + legendSpace, options.title);
    var box = { x: 56, y: 10, w: W - 70, h: H - 44 };
    axes(svg, box, lo, hi, options, theme, fmt);
    var n = series.length;
    function xAt(i) { return n > 1 ? box.x + (i / (n - 1)) * box.w : box.x + box.w / 2; }
    function yAt(v) { return box.y + box.h - ((v - lo) / (hi - lo)) * box.h; }
    var every = Math.max(1, Math.ceil(n / (options.maxXLabels || 8)));
    series.labels.forEach(function (label, i) {
      if (i % every !== 0 && i !== n - 1) return;
      svg.appendChild(svgText(xAt(i), box.y + box.h + 16, label, { fill: colour("muted", theme), "font-size": "10px" }, { "text-anchor": "middle" }));
    });
    series.datasets.forEach(function (ds, k) {
      var c = seriesColour(k, theme, ds.color);
      if (options.area && series.datasets.length === 1) {
        var first = ds.values.findIndex(isNumber);
        var last = ds.values.length - 1 - ds.values.slice().reverse().findIndex(isNumber);
        var line = pathFor(ds.values, xAt, yAt);
        if (line && ds.values.slice(first, last + 1).every(isNumber)) {
          svg.appendChild(svgEl("path", { d: line + " L " + xAt(last) + " " + (box.y + box.h) + " L " + xAt(first) + " " + (box.y + box.h) + " Z" },
            { fill: c, "fill-opacity": "0.12", stroke: "none" }));
        }
      }
      svg.appendChild(svgEl("path", { d: pathFor(ds.values, xAt, yAt), fill: "none", "stroke-linejoin": "round", "stroke-linecap": "round", "class": "cd-line" },
        { stroke: c, "stroke-width": "2" }));
      ds.values.forEach(function (v, i) {
        var isolated = isNumber(v) && !isNumber(ds.values[i - 1]) && !isNumber(ds.values[i + 1]);
        if (isNumber(v) && (options.points || isolated)) {
          var dot = svgEl("circle", { cx: xAt(i), cy: yAt(v), r: 3 }, { fill: c });
          var tip = svgEl("title", {});
          tip.textContent = series.labels[i] + ": " + fmt(v);
          dot.appendChild(tip);
          svg.appendChild(dot);
        }
      });
    });
    legend(svg, series, theme, 56, H + legendSpace - 4, W);
    return svg;
  }

  function drawDoughnut(container, data, options) {
    var series = normaliseSeries(data);
    if (!series) return null;
    var theme = themeOf(container, options);
    var fmt = options.format || defaultFormat(options);
    var values = series.datasets[0].values;
    var colours = series.datasets[0].colors || [];
    var parts = [];
    values.forEach(function (v, i) {
      if (isNumber(v) && v > 0) parts.push({ label: series.labels[i], value: v, color: colours[i] || seriesColour(i, theme) });
    });
    var total = parts.reduce(function (s, p) { return s + p.value; }, 0);
    if (!total) return null;
    // A title given as a string is drawn above the ring (the generator's doughnuts carry one).
    var top = typeof options.title === "string" && options.title ? 26 : 0;
    var W = options.width || 360, H = Math.max(180, 24 + parts.length * 22) + top;
    var cx = 90, cy = top + (H - top) / 2, r = 70, inner = r * (isNumber(options.cutout) ? options.cutout : 0.6);
    var svg = rootSvg(W, H, options.title);
    if (top) {
      svg.appendChild(svgText(W / 2, 16, options.title,
        { fill: colour("text", theme), "font-size": "14px", "font-weight": "700" }, { "text-anchor": "middle", "class": "cd-chart-title" }));
    }
    var angle = -Math.PI / 2;
    parts.forEach(function (p, i) {
      var sweep = (p.value / total) * Math.PI * 2;
      var el;
      if (sweep >= Math.PI * 2 - 1e-6) {
        el = svgEl("circle", { cx: cx, cy: cy, r: (r + inner) / 2, fill: "none" }, { stroke: p.color, "stroke-width": String(r - inner) });
      } else {
        var a1 = angle + sweep;
        var large = sweep > Math.PI ? 1 : 0;
        var pt = function (rad, a) { return (cx + rad * Math.cos(a)).toFixed(2) + " " + (cy + rad * Math.sin(a)).toFixed(2); };
        el = svgEl("path", {
          d: "M " + pt(r, angle) + " A " + r + " " + r + " 0 " + large + " 1 " + pt(r, a1) +
            " L " + pt(inner, a1) + " A " + inner + " " + inner + " 0 " + large + " 0 " + pt(inner, angle) + " Z",
          "class": "cd-slice"
        }, { fill: p.color, stroke: colour("track", theme), "stroke-width": "1" });
      }
      var tip = svgEl("title", {});
      tip.textContent = p.label + ": " + fmt(p.value) + " (" + ((p.value / total) * 100).toFixed(1) + "%)";
      el.appendChild(tip);
      svg.appendChild(el);
      angle += sweep;
      var ly = top + 20 + i * 22;
      svg.appendChild(svgEl("rect", { x: 180, y: ly - 10, width: 12, height: 12, rx: 2 }, { fill: p.color }));
      svg.appendChild(svgText(198, ly, p.label + " \u2014 " + ((p.value / total) * 100).toFixed(1) + "%",
        { fill: colour("text", theme), "font-size": "12px" }));
    });
    if (options.centerText) {
      svg.appendChild(svgText(cx, cy + 5, options.centerText,
        { fill: colour("text", theme), "font-size": "14px", "font-weight": "700" }, { "text-anchor": "middle" }));
    }
    return svg;
  }

  function drawSparkline(container, data, options) {
    var values = (Array.isArray(data) ? data : (data && data.values) || []).map(function (d) {
      return toNumber(d !== null && typeof d === "object" ? (d.value !== undefined ? d.value : d.y) : d);
    });
    if (!values.some(isNumber)) return null;
    var theme = themeOf(container, options);
    var W = options.width || 120, H = options.height || 32, pad = 2;
    var nums = values.filter(isNumber);
    var lo = Math.min.apply(null, nums), hi = Math.max.apply(null, nums);
    if (lo === hi) { lo -= 1; hi += 1; }
    var n = values.length;
    var first = nums[0], last = nums[nums.length - 1];
    var c = options.color || colour(last >= first ? "up" : "down", theme);
    var svg = rootSvg(W, H, options.title);
    svg.setAttribute("class", "cd-chart cd-sparkline");
    function xAt(i) { return n > 1 ? pad + (i / (n - 1)) * (W - pad * 2) : W / 2; }
    function yAt(v) { return pad + (1 - (v - lo) / (hi - lo)) * (H - pad * 2); }
    svg.appendChild(svgEl("path", { d: pathFor(values, xAt, yAt), fill: "none", "stroke-linejoin": "round", "stroke-linecap": "round" },
      { stroke: c, "stroke-width": "1.5" }));
    var lastIndex = values.length - 1 - values.slice().reverse().findIndex(isNumber);
    svg.appendChild(svgEl("circle", { cx: xAt(lastIndex), cy: yAt(values[lastIndex]), r: 2 }, { fill: c }));
    return svg;
  }

  global.createGauge = function (target, data, options) { return makeChart(target, data, options, drawGauge); };
  global.createBarChart = function (target, data, options) { return makeChart(target, data, options, drawBar); };
  global.createLineChart = function (target, data, options) { return makeChart(target, data, options, drawLine); };
  global.createDoughnutChart = function (target, data, options) { return makeChart(target, data, options, drawDoughnut); };
  global.createSparkline = function (target, data, options) {
    return makeChart(target, data, Object.assign({ emptyHeight: 24 }, options || {}), drawSparkline);
  };
})(window);
