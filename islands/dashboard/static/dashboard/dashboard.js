/* Home page behaviour on top of live.js: live.js writes new values into [data-field] elements;
 * this file keeps the rest of each tile in step with them (colour of changes, the stale/unknown
 * badges the server decided (summary.field_states), gauges, sparklines, dominance bar, the data
 * age) and ticks the age.
 * It listens to the `cryptodash:summary` DOM event and never invents a value: a missing number
 * shows the em dash and an "unknown" badge. Text is only ever set with textContent. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  var configEl = document.getElementById("dashboard-i18n");
  var config = configEl ? JSON.parse(configEl.textContent) : {};
  var lang = document.documentElement.lang || "vi";
  var F = window.CryptodashFormat;

  function fmt(value, kind) {
    return F ? F.format(value, kind, lang) : value === null || value === undefined ? "\u2014" : String(value);
  }

  function valueAt(data, field) {
    var node = data;
    var parts = field.split(".");
    for (var i = 0; i < parts.length; i++) {
      if (node === null || typeof node !== "object") return null;
      node = node[parts[i]];
    }
    if (typeof node === "string" && node.trim() !== "" && isFinite(Number(node))) return Number(node);
    return typeof node === "number" && isFinite(node) ? node : null;
  }

  if (!root) {
    // "No data yet": the first summary to arrive brings the full page.
    document.addEventListener("cryptodash:summary", function () { window.location.reload(); }, { once: true });
    return;
  }

  /* --- data age and the stale banner ------------------------------------------------------ */
  var ageEl = document.getElementById("data-age");
  var staleBanner = document.getElementById("stale-banner");
  var staleAfter = Number(root.getAttribute("data-stale-after")) || 60;
  function tickTileAges() {
    Array.prototype.forEach.call(document.querySelectorAll("time[data-age-from]"), function (el) {
      var at = Date.parse(el.getAttribute("data-age-from"));
      el.textContent = isFinite(at) && F ? F.age(Date.now() / 1000 - at / 1000, lang) : "";
    });
  }
  window.setInterval(tickTileAges, 1000);

  function tickAge() {
    var updated = Number(ageEl.getAttribute("data-updated-at"));
    if (!updated) return;
    var age = Date.now() / 1000 - updated;
    ageEl.textContent = F ? F.age(age, lang) : "";
    if (staleBanner) staleBanner.hidden = age <= staleAfter;
  }
  if (ageEl) {
    tickAge();
    window.setInterval(tickAge, 1000);
  }

  /* --- gauges ------------------------------------------------------------------------------ */
  var gauges = [];
  function gaugeBands(field) {
    if (field === "fng_value") {
      return [
        { to: 24, color: "var(--down)" }, { to: 44, color: "#f08c3a" }, { to: 55, color: "#e0b000" },
        { to: 75, color: "#7cbf4a" }, { to: 100, color: "var(--up)" },
      ];
    }
    return [{ to: 30, color: "var(--up)" }, { to: 70, color: "var(--accent)" }, { to: 100, color: "var(--down)" }];
  }
  function gaugeClass(field, value) {
    var labels = config.labels || {};
    if (value === null) return "";
    if (field === "fng_value") {
      if (value <= 24) return labels.extreme_fear;
      if (value <= 44) return labels.fear;
      if (value <= 55) return labels.neutral;
      if (value <= 75) return labels.greed;
      return labels.extreme_greed;
    }
    if (value >= 70) return labels.overbought;
    if (value <= 30) return labels.oversold;
    return labels.neutral;
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-gauge-field]"), function (el) {
    if (typeof window.createGauge !== "function") return;
    var field = el.getAttribute("data-gauge-field");
    var raw = el.getAttribute("data-gauge-value");
    var value = raw === "" ? null : Number(raw);
    var chart = window.createGauge(el, value, {
      min: 0, max: 100, bands: gaugeBands(field), showRange: true,
      title: el.getAttribute("data-gauge-label"),
      format: function (v) { return fmt(v, field === "fng_value" ? "int" : "number"); },
    });
    gauges.push({ field: field, chart: chart, el: el });
  });

  /* --- sparklines: recent history from the history API, extended by live updates ---------- */
  var sparks = {};
  function drawSpark(field) {
    var spark = sparks[field];
    if (spark && typeof window.createSparkline === "function") {
      window.createSparkline(spark.el, spark.values, { width: 160, height: 30, emptyText: " " });
    }
  }
  function historyValues(body) {
    var points = body && (body.points || body.data || body.series);
    if (!Array.isArray(points)) return [];
    return points.map(function (p) {
      if (Array.isArray(p)) return p[1];
      return p && typeof p === "object" ? (p.value !== undefined ? p.value : p.v) : p;
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-spark-field]"), function (el) {
    var field = el.getAttribute("data-spark-field");
    sparks[field] = { el: el, values: [] };
    if (!window.fetch) return;
    fetch("/api/crypto/history?field=" + encodeURIComponent(field) + "&range=1h", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) return;
        sparks[field].values = historyValues(body).slice(-120);
        drawSpark(field);
      })
      .catch(function () { /* no history: the tile keeps its number only */ });
  });

  /* --- tile state: decided by the server (summary.field_states), only painted here ---------- */
  function fieldState(data, field) {
    var states = data.field_states && typeof data.field_states === "object" ? data.field_states : {};
    var state = states[field];
    return state && typeof state === "object" && typeof state.state === "string" ? state : null;
  }
  function applyTile(tile, data) {
    var valueEl = tile.querySelector(".tile__value[data-field], [data-gauge-field]");
    if (!valueEl) return;
    var field = valueEl.getAttribute("data-field") || valueEl.getAttribute("data-gauge-field");
    var known = valueAt(data, field) !== null;
    var carried = fieldState(data, field);
    // A summary without a state for this field (written before the field existed) leaves the tile as it is.
    if (!carried) return;
    var state = [carried.state, carried.reason || (carried.state === "unknown" ? config.no_value || "" : "")];
    tile.setAttribute("data-state", state[0]);
    var badge = tile.querySelector(".badge");
    if (badge) {
      badge.className = "badge badge--" + state[0];
      badge.hidden = state[0] === "ok";
      badge.textContent = state[0] === "ok" ? "" : (config.labels || {})[state[0]] || state[0];
      badge.title = state[1];
    }
    var ageTime = tile.querySelector("time[data-age-from]");
    if (ageTime) {
      var updatedAt = known && typeof carried.updated_at === "string" ? carried.updated_at : "";
      ageTime.setAttribute("data-age-from", updatedAt);
      if (updatedAt) ageTime.setAttribute("datetime", updatedAt);
      else ageTime.removeAttribute("datetime");
    }
    var reason = tile.querySelector(".tile__reason");
    if (!reason && state[1]) {
      reason = document.createElement("div");
      reason.className = "tile__reason";
      tile.insertBefore(reason, tile.querySelector(".tile__age"));
    }
    if (reason) {
      reason.textContent = state[1];
      reason.hidden = !state[1];
    }
  }

  function apply(data, streamId) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-sign]"), function (el) {
      var v = valueAt(data, el.getAttribute("data-field"));
      el.classList.remove("up", "down", "flat", "unknown");
      el.classList.add(v === null ? "unknown" : v > 0 ? "up" : v < 0 ? "down" : "flat");
    });
    Array.prototype.forEach.call(document.querySelectorAll(".tile[data-state]"), function (tile) { applyTile(tile, data); });
    gauges.forEach(function (g) {
      var v = valueAt(data, g.field);
      g.chart.update(v);
      var caption = g.el.parentNode.querySelector("[data-gauge-class]");
      if (caption) caption.textContent = gaugeClass(g.field, v) || "";
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-dominance]"), function (el) {
      var v = valueAt(data, el.getAttribute("data-dominance"));
      el.style.width = (v === null ? 0 : Math.max(0, Math.min(100, v))) + "%";
    });
    Object.keys(sparks).forEach(function (field) {
      var v = valueAt(data, field);
      if (v === null) return;
      sparks[field].values.push(v);
      if (sparks[field].values.length > 120) sparks[field].values.shift();
      drawSpark(field);
    });
    tickTileAges();
    if (streamId && ageEl) {
      var ms = Number(String(streamId).split("-")[0]);
      if (ms) ageEl.setAttribute("data-updated-at", String(ms / 1000));
      root.setAttribute("data-stream-id", streamId);
      tickAge();
    }
  }

  document.addEventListener("cryptodash:btc_price", function (event) {
    var data = (event.detail && event.detail.data) || {};
    if (!("change_24h" in data)) return;
    Array.prototype.forEach.call(document.querySelectorAll('[data-sign][data-field="btc_change_24h"]'), function (el) {
      var v = typeof data.change_24h === "number" && isFinite(data.change_24h) ? data.change_24h : null;
      el.classList.remove("up", "down", "flat", "unknown");
      el.classList.add(v === null ? "unknown" : v > 0 ? "up" : v < 0 ? "down" : "flat");
    });
  });

  document.addEventListener("cryptodash:summary", function (event) {
    var detail = event.detail || {};
    var data = detail.data && typeof detail.data === "object" ? detail.data : detail;
    apply(data, detail.stream_id || detail.streamId || null);
  });
})();
