/* A coin's page (/coin/<id>): its live price in the page's currency and its chart.
 *
 * Live price: live.js dispatches `cryptodash:summary`; every [data-usd-field] element shows that
 * summary field (USD) times the page's rate (#coin data-rate, kept current from the summary's
 * fx) in the page's currency. [data-field] changes are live.js's own. A tracked coin's exchange
 * ticks (`cryptodash:ticks`) move its price and 24 h change at once, and the price's source and
 * age (under the price and in the facts) follow the field state of whichever price is shown:
 * the tick's (Binance WebSocket) or, once the ticks stop, the summary's REST price. The price
 * elements carry the USD price in data-value, so static/js/flash.js flashes each change.
 *
 * Chart (#coin-chart, ranges 1h 24h 7d 30d 1y): for a tracked coin, OHLC candles from
 * GET /api/crypto/coin/<id>/candles (Binance, stored by beat) and a line from the site's own
 * history, GET /api/crypto/history?field=<key>_price_usd; for any coin the 7-day range also has the
 * market table's 7-day prices (data-spark). Drawn with CryptodashCharts (static/js/timechart.js).
 * Text is only ever set with textContent.
 */
(function () {
  "use strict";
  var root = document.getElementById("coin");
  if (!root) return;
  var F = window.CryptodashFormat;
  var lang = document.documentElement.lang === "en" ? "en" : "vi";
  var currency = root.getAttribute("data-currency") || "usd";
  var rate = Number(root.getAttribute("data-rate")) || 1;
  var key = root.getAttribute("data-coin-key");
  var coinId = root.getAttribute("data-coin-id");
  var tracked = root.getAttribute("data-tracked") === "1";
  var HOUR = 3600000;
  var DAY = 24 * HOUR;
  // range -> [candle interval, how many candles, history range or null]
  var RANGES = {
    "1h": [null, 0, "1h"],
    "24h": ["1h", 24, "24h"],
    "7d": ["4h", 42, "7d"],
    "30d": ["1d", 30, "30d"],
    "1y": ["1d", 365, null],
  };

  function money(usd, compact) {
    return F.money(typeof usd === "number" && isFinite(usd) ? usd * rate : null, currency, lang, compact);
  }

  /* --- live price ------------------------------------------------------------------------------ */
  var namesEl = document.getElementById("coin-source-names");
  var SOURCE_NAMES = namesEl ? JSON.parse(namesEl.textContent) : {};
  var PRICE_FIELD = key ? key + "_price_usd" : "";
  var CHANGE_FIELD = key ? key + "_change_24h" : "";

  function priceEls() {
    return [document.getElementById("coin-price"), root.querySelector("tr[data-fact='price'] td.num")]
      .filter(Boolean);
  }

  function signOf(el) {
    var raw = el.getAttribute("data-value");
    var value = raw === null || raw === "" ? null : Number(raw);
    el.classList.remove("up", "down", "flat", "unknown");
    el.classList.add(value === null || !isFinite(value) ? "unknown" : value > 0 ? "up" : value < 0 ? "down" : "flat");
  }

  // The shown price's source and age, where the page shows them (under the price, in the facts).
  function showSource(state) {
    if (!state || typeof state.updated_at !== "string" || !state.updated_at) return;
    var name = typeof state.source === "string" && state.source ? SOURCE_NAMES[state.source] || state.source : "";
    var places = [root.querySelector(".coin-price__source")];
    ["price", "change_24h"].forEach(function (fact) {
      var row = root.querySelector("tr[data-fact='" + fact + "']");
      var cell = row && row.querySelector("td.num");
      if (cell && (cell.hasAttribute("data-usd-field") || cell.hasAttribute("data-field"))) places.push(row);
    });
    places.forEach(function (place) {
      if (!place) return;
      var source = place.querySelector("[data-source-for]");
      var age = place.querySelector("time");
      if (source && name) source.textContent = name;
      if (age) {
        age.setAttribute("data-age-from", state.updated_at);
        age.setAttribute("datetime", state.updated_at);
      }
    });
  }

  priceEls().forEach(function (el) {
    var raw = el.getAttribute("data-money");
    if (raw) el.setAttribute("data-value", raw);
  });

  function repaintMoney() {
    Array.prototype.forEach.call(root.querySelectorAll("[data-money]"), function (el) {
      var raw = el.getAttribute("data-money");
      var usd = raw === "" ? null : Number(raw);
      var text = money(usd, el.getAttribute("data-money-kind") === "money_compact");
      // Keep a reason span (why a value is unknown) after the number.
      var reason = el.querySelector(".fact__reason");
      el.textContent = text;
      if (reason) {
        el.appendChild(document.createTextNode(" "));
        el.appendChild(reason);
      }
    });
  }

  document.addEventListener("cryptodash:summary", function (event) {
    var data = event.detail && event.detail.data;
    if (!data) return;
    var fx = data.fx;
    if (currency !== "usd" && fx && typeof fx[currency] === "number" && fx[currency] > 0) {
      rate = fx[currency];
      root.setAttribute("data-rate", String(rate));
    }
    Array.prototype.forEach.call(root.querySelectorAll("[data-usd-field]"), function (el) {
      var value = data[el.getAttribute("data-usd-field")];
      if (typeof value === "string" && value.trim() !== "") value = Number(value);
      if (typeof value === "number" && isFinite(value)) {
        el.setAttribute("data-money", String(value));
        el.setAttribute("data-value", String(value));
      }
    });
    if (root.querySelector("#coin-price[data-usd-field]")) {
      // live.js put a fresh tick over the REST price: the field state names whichever is shown.
      var state = data.field_states && data.field_states[PRICE_FIELD];
      var when = data.timestamp || data.last_updated;
      showSource(state && state.updated_at ? state : { updated_at: when });
    }
    Array.prototype.forEach.call(root.querySelectorAll("[data-field][data-format='change']"), signOf);
    repaintMoney();
    tickAges();
  });

  // An exchange tick of this coin: its price and 24 h change now (a price the page had from the
  // market table becomes the live one), with the tick's source and age.
  document.addEventListener("cryptodash:ticks", function (event) {
    var detail = event.detail || {};
    var tick = tracked && PRICE_FIELD && detail.ticks ? detail.ticks[key] : null;
    if (!tick || typeof tick.price_usd !== "number") return;
    priceEls().forEach(function (el) {
      el.setAttribute("data-usd-field", PRICE_FIELD);
      el.setAttribute("data-money", String(tick.price_usd));
      el.setAttribute("data-value", String(tick.price_usd));
      var reason = el.querySelector(".fact__reason");
      if (reason) reason.parentNode.removeChild(reason);
    });
    var change = root.querySelector("tr[data-fact='change_24h'] td.num");
    if (change && typeof tick.change_24h === "number" && isFinite(tick.change_24h)) {
      // From now on live.js writes it with every summary and tick.
      change.setAttribute("data-field", CHANGE_FIELD);
      change.setAttribute("data-format", "change");
      change.setAttribute("data-value", String(tick.change_24h));
      change.textContent = F.format(tick.change_24h, "change", lang);
      signOf(change);
    }
    showSource((detail.data && detail.data.field_states || {})[PRICE_FIELD]);
    repaintMoney();
    tickAges();
  });

  // The market table's new numbers for this coin (markets_update frames; see markets.js). A
  // tracked coin's price and 24 h change follow the summary instead ([data-usd-field], [data-field]).
  var FRAME_FACTS = { price_usd: "price", change_1h: "change_1h", change_24h: "change_24h",
    change_7d: "change_7d", market_cap: "market_cap", volume_24h: "volume_24h" };
  document.addEventListener("cryptodash:markets", function (event) {
    var frame = event.detail;
    if (!frame || !Array.isArray(frame.rows) || !Array.isArray(frame.fields)) return;
    var row = null;
    frame.rows.forEach(function (r) { if (r[0] === coinId) row = r; });
    if (!row) return;
    frame.fields.forEach(function (field, i) {
      var cell = root.querySelector("tr[data-fact='" + FRAME_FACTS[field] + "'] td.num");
      if (!cell || cell.hasAttribute("data-usd-field") || cell.hasAttribute("data-field")) return;
      var value = typeof row[i] === "number" && isFinite(row[i]) ? row[i] : null;
      if (cell.hasAttribute("data-money")) {
        cell.setAttribute("data-money", value === null ? "" : String(value));
      } else {
        cell.textContent = F.format(value, "change", lang);
        cell.classList.remove("up", "down", "flat", "unknown");
        cell.classList.add(value === null ? "unknown" : value > 0 ? "up" : value < 0 ? "down" : "flat");
      }
    });
    var top = document.getElementById("coin-price");
    if (top && !top.hasAttribute("data-usd-field") && typeof row[frame.fields.indexOf("price_usd")] === "number") {
      top.setAttribute("data-money", String(row[frame.fields.indexOf("price_usd")]));
    }
    repaintMoney();
  });

  function tickAges() {
    Array.prototype.forEach.call(root.querySelectorAll("time[data-age-from]"), function (el) {
      var at = Date.parse(el.getAttribute("data-age-from"));
      if (isFinite(at)) el.textContent = F.age((Date.now() - at) / 1000, lang);
    });
  }
  window.setInterval(tickAges, 1000);

  /* --- the chart ------------------------------------------------------------------------------- */
  var section = document.getElementById("coin-chart");
  if (!section) return;
  var candleBox = section.querySelector("[data-chart-candles]");
  var lineBox = section.querySelector("[data-chart-line]");
  var what = section.querySelector("[data-chart-what]");
  var meta = section.querySelector("[data-chart-meta]");
  var charts = [];
  var current = null;
  var zone = (window.CryptodashPrefs && window.CryptodashPrefs.zone) || undefined;

  function label(name) {
    return section.getAttribute("data-label-" + name) || "";
  }

  function clear() {
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    candleBox.textContent = "";
    lineBox.textContent = "";
    candleBox.hidden = true;
    lineBox.hidden = true;
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      return response.ok ? response.json() : null;
    }).catch(function () { return null; });
  }

  function sparkPoints() {
    var values = (section.getAttribute("data-spark") || "").split(",").filter(Boolean).map(Number);
    var end = Number(section.getAttribute("data-spark-end-ms")) || Date.now();
    if (values.length < 2) return [];
    var step = (7 * DAY) / (values.length - 1);
    return values.map(function (v, i) { return [end - (values.length - 1 - i) * step, v * rate]; });
  }

  function draw(range) {
    current = range;
    Array.prototype.forEach.call(section.querySelectorAll("button[data-range]"), function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-range") === range ? "true" : "false");
    });
    clear();
    section.setAttribute("data-state", "loading");
    what.textContent = label("loading");
    meta.textContent = "";
    var plan = RANGES[range];
    var wants = [];
    wants.push(tracked && plan[0]
      ? getJSON("/api/crypto/coin/" + encodeURIComponent(coinId) + "/candles?interval=" + plan[0])
      : Promise.resolve(null));
    wants.push(tracked && plan[2]
      ? getJSON("/api/crypto/history?field=" + encodeURIComponent(key + "_price_usd") + "&range=" + plan[2])
      : Promise.resolve(null));
    Promise.all(wants).then(function (found) {
      if (current !== range) return;
      var Charts = window.CryptodashCharts;
      var options = {
        lang: lang, timeZone: zone, format: function (v) { return F.money(v, currency, lang, false); },
      };
      var parts = [];
      var candles = found[0] && Array.isArray(found[0].candles) ? found[0].candles.slice(-plan[1]) : [];
      if (candles.length && Charts) {
        candleBox.hidden = false;
        var rows = candles.map(function (c) { return [c[0], c[1] * rate, c[2] * rate, c[3] * rate, c[4] * rate]; });
        charts.push(Charts.candles(candleBox, rows, Object.assign({ label: label("candles") }, options)));
        parts.push(label("candles") + " · " + plan[0]);
      }
      var line = [];
      if (found[1] && Array.isArray(found[1].points)) {
        line = found[1].points.map(function (p) { return [p[0], typeof p[1] === "number" ? p[1] * rate : null]; });
        // One point is no line: the history has just started (or has a gap this long).
        if (line.filter(function (p) { return p[1] !== null; }).length < 2) line = [];
      }
      var lineLabel = label("line");
      if (!line.length && range === "7d") {
        line = sparkPoints();
        lineLabel = label("spark");
      }
      if (line.length && Charts) {
        lineBox.hidden = false;
        charts.push(Charts.timeSeries(lineBox, line, Object.assign({ label: lineLabel }, options)));
        parts.push(lineLabel);
      }
      what.textContent = parts.length ? parts.join(" — ") : label("none");
      section.setAttribute("data-state", parts.length ? "ready" : "empty");
      if (found[0] && found[0].updated_at && candles.length) {
        meta.textContent = "Binance · " + F.age(found[0].age_s, lang) + (found[0].reason ? " · " + found[0].reason : "");
      }
    });
  }

  section.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-range]") : null;
    if (button) draw(button.getAttribute("data-range"));
  });

  draw(section.getAttribute("data-range") || "24h");
})();
