/* Live updates for any page: a WebSocket to /ws on the page's own host (SPEC §7), HTTP polling of
 * /api/crypto/dashboard-summary (and, where the page asks, of the market table) while the socket is
 * down, and a connection indicator.
 *
 * Page contract (the server-rendered templates follow it; nothing else is assumed):
 *   #connection-status           gets data-state = connecting | live | reconnecting | polling and a
 *                                visible label, taken from its data-label-<state> attribute when
 *                                present (data-label-live falls back to data-label-connected /
 *                                data-label-open), else a built-in vi/en label. A [data-label] child,
 *                                when present, receives the label instead of the element itself.
 *   [data-field="<path>"]        shows the summary value at <path>: a top-level field
 *                                ("btc_price_usd", "fng_value") or a dotted path
 *                                ("us_stock_indices.SPY.price"). Formatted with
 *                                window.CryptodashFormat.format(value, el.dataset.format, lang) when
 *                                static/js/format.js is loaded, else as plain text. null or missing
 *                                shows "—" and sets the data-unknown attribute (removed once known);
 *                                a number is also written raw into data-value.
 *   [data-stream-id]             the first such element tells which summary the page was rendered
 *                                from; the socket resumes after it instead of asking for a snapshot.
 *   [data-tick-fresh-s]          seconds an exchange tick beats the summary's REST price (default 15).
 *   [data-markets-poll]          the page also shows market-table numbers: while the socket is down,
 *                                GET /api/crypto/markets?currency=usd is polled beside the summary
 *                                and its rows (only the coin ids the attribute lists, space-separated;
 *                                all when empty) dispatched as a cryptodash:markets frame with
 *                                prev_id null and polled: true. The element's data-markets-stream-id
 *                                is the table the page was rendered from; an older table is skipped.
 *   <html lang>                  "vi" (default) or "en", for labels and formatting.
 * Events, dispatched on document (after the [data-field] elements were updated):
 *   cryptodash:summary    detail {data, stream_id}: a whole summary (snapshot, update, poll)
 *   cryptodash:btc_price  detail {data, stream_id}: a fast BTC tick ({price_usd, change_24h, ...})
 *   cryptodash:ticks      detail {data, ticks, stream_id}: exchange ticks that moved coins: data
 *                         holds the changed <coin>_price_usd / <coin>_change_24h fields and their
 *                         field_states ({state, updated_at, source}); ticks is {coin: {price_usd,
 *                         change_24h, t, source}} as the "ticks" frame sent it.
 *
 * Exchange ticks (frame "ticks", at most WS_TICK_HZ a second) move a coin's price when newer than
 * what the page shows; a summary's REST price of that coin only wins again once it is newer than
 * the tick or the tick is older than data-tick-fresh-s (the exchange socket is down): the same
 * rule as the server's (cache_system.market_schema.ticks_overlay).
 *   cryptodash:markets    detail: a markets_update frame as received (the changed rows of the table)
 *
 * Only summaries move the resume point: BTC ticks come from another stream and every summary
 * carries the BTC price too. A frame whose stream id is not newer than the last one applied is
 * ignored unless it is a snapshot (dashboard_data), so replays and races never step back in time.
 * Text is only ever set with textContent.
 */
(function () {
  "use strict";

  var PING_MS = 25000;
  var POLL_MS = 5000;
  var BACKOFF_FIRST_MS = 500;
  var BACKOFF_MAX_MS = 30000;
  var UNKNOWN = "\u2014";
  var LABELS = {
    en: { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…", polling: "Polling", offline: "Offline" },
    vi: { connecting: "Đang kết nối…", live: "Trực tiếp", reconnecting: "Đang kết nối lại…", polling: "Cập nhật định kỳ", offline: "Ngoại tuyến" },
  };

  var lang = document.documentElement.lang === "en" ? "en" : "vi";
  var statusEl = document.getElementById("connection-status");
  var rendered = document.querySelector("[data-stream-id]");
  var lastId = rendered ? rendered.getAttribute("data-stream-id") || null : null;
  var socket = null;
  var attempts = 0;
  var reconnectTimer = null;
  var pingTimer = null;
  var pollTimer = null;
  var state = null;
  var freshEl = document.querySelector("[data-tick-fresh-s]");
  var TICK_FRESH_MS = (freshEl ? Number(freshEl.getAttribute("data-tick-fresh-s")) || 15 : 15) * 1000;
  var ticks = {}; // coin -> the newest tick applied
  var marketsPollEl = document.querySelector("[data-markets-poll]");
  var marketsId = marketsPollEl ? marketsPollEl.getAttribute("data-markets-stream-id") || null : null;
  // websocket_service.frames.MARKETS_FRAME_FIELDS: the columns of a markets_update frame's rows.
  var MARKETS_FIELDS = ["id", "rank", "price_usd", "change_1h", "change_24h", "change_7d", "market_cap", "volume_24h"];

  /* --- stream ids ---------------------------------------------------------------------------- */
  function idKey(id) {
    var m = /^(\d+)-(\d+)$/.exec(String(id || ""));
    return m ? [Number(m[1]), Number(m[2])] : null;
  }

  function isNewer(id, than) {
    var a = idKey(id);
    var b = idKey(arguments.length > 1 ? than : lastId);
    if (!a) return false;
    if (!b) return true;
    return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  }

  /* --- the indicator --------------------------------------------------------------------------- */
  // The base template hides it: it only means something on a page with a live connection.
  if (statusEl) statusEl.hidden = false;

  function setState(next) {
    if (next === state || !statusEl) {
      state = next;
      return;
    }
    state = next;
    statusEl.setAttribute("data-state", next);
    var label =
      statusEl.getAttribute("data-label-" + next) ||
      (next === "live" && (statusEl.getAttribute("data-label-connected") || statusEl.getAttribute("data-label-open"))) ||
      LABELS[lang][next];
    var target = statusEl.querySelector("[data-label]") || statusEl;
    target.textContent = label;
    statusEl.setAttribute("title", label);
  }

  /* --- applying values ------------------------------------------------------------------------ */
  function valueAt(data, path) {
    var node = data;
    var parts = path.split(".");
    for (var i = 0; i < parts.length; i++) {
      if (node === null || typeof node !== "object" || !(parts[i] in node)) return undefined;
      node = node[parts[i]];
    }
    return node;
  }

  function show(el, value) {
    if (value === null || value === undefined || (typeof value === "number" && !isFinite(value))) {
      el.textContent = UNKNOWN;
      el.setAttribute("data-unknown", "");
      el.removeAttribute("data-value");
      return;
    }
    // The raw number, for scripts that compare old and new (static/js/flash.js).
    if (typeof value === "number") el.setAttribute("data-value", String(value));
    var F = window.CryptodashFormat;
    el.textContent = F && typeof F.format === "function" ? F.format(value, el.dataset.format, lang) : String(value);
    el.removeAttribute("data-unknown");
  }

  /* complete: data is a whole summary, so a field it lacks is unknown; else only its fields move. */
  function applyFields(data, complete) {
    var els = document.querySelectorAll("[data-field]");
    for (var i = 0; i < els.length; i++) {
      var value = valueAt(data, els[i].getAttribute("data-field"));
      if (value === undefined && !complete) continue;
      show(els[i], value);
    }
  }

  /* --- exchange ticks ------------------------------------------------------------------------- */
  function tickValid(tick) {
    return tick && typeof tick === "object" && typeof tick.price_usd === "number" && isFinite(tick.price_usd) &&
      typeof tick.t === "number";
  }

  function tickOver(fields, states, coin, tick) {
    fields[coin + "_price_usd"] = tick.price_usd;
    if (typeof tick.change_24h === "number") fields[coin + "_change_24h"] = tick.change_24h;
    states[coin + "_price_usd"] = { state: "ok", reason: null, updated_at: new Date(tick.t).toISOString(), source: tick.source };
  }

  /* A summary with each coin's fresh tick over its REST price where the tick is newer. */
  function withTicks(data) {
    var states = Object.assign({}, data.field_states || {});
    var merged = Object.assign({}, data);
    Object.keys(ticks).forEach(function (coin) {
      var tick = ticks[coin];
      if (Date.now() - tick.t > TICK_FRESH_MS) return;
      var rest = states[coin + "_price_usd"];
      var restAt = rest && typeof rest.updated_at === "string" ? Date.parse(rest.updated_at) : NaN;
      if (isFinite(restAt) && restAt >= tick.t) return;
      tickOver(merged, states, coin, tick);
    });
    merged.field_states = states;
    return merged;
  }

  function applyTicks(data, streamId) {
    if (!data || typeof data !== "object") return;
    var fields = {};
    var states = {};
    var moved = {};
    Object.keys(data).forEach(function (coin) {
      var tick = data[coin];
      if (!tickValid(tick) || (ticks[coin] && ticks[coin].t >= tick.t)) return;
      ticks[coin] = tick;
      moved[coin] = tick;
      tickOver(fields, states, coin, tick);
    });
    if (!Object.keys(moved).length) return;
    applyFields(fields, false);
    fields.field_states = states;
    document.dispatchEvent(new CustomEvent("cryptodash:ticks", { detail: { data: fields, ticks: moved, stream_id: streamId } }));
  }

  function applySummary(data, streamId, snapshot) {
    if (!data || typeof data !== "object") return;
    if (!snapshot && !isNewer(streamId)) return;
    if (streamId) lastId = streamId;
    data = withTicks(data);
    applyFields(data, true);
    document.dispatchEvent(new CustomEvent("cryptodash:summary", { detail: { data: data, stream_id: streamId } }));
  }

  function applyBtcTick(data, streamId) {
    if (!data || typeof data !== "object") return;
    var fields = { btc_price_usd: data.price_usd };
    if ("change_24h" in data) fields.btc_change_24h = data.change_24h;
    applyFields(fields, false);
    document.dispatchEvent(new CustomEvent("cryptodash:btc_price", { detail: { data: data, stream_id: streamId } }));
  }

  /* --- the socket ------------------------------------------------------------------------------ */
  function onFrame(event) {
    var frame;
    try {
      frame = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    switch (frame && frame.type) {
      case "dashboard_data":
        applySummary(frame.data, frame.stream_id, true);
        break;
      case "dashboard_update":
        applySummary(frame.data, frame.stream_id, false);
        break;
      case "btc_price_update":
        applyBtcTick(frame.data, frame.stream_id);
        break;
      case "ticks":
        applyTicks(frame.data, frame.stream_id);
        break;
      case "markets_update": // the market table's changed rows: the markets page applies them
        if (frame.stream_id && isNewer(frame.stream_id, marketsId)) marketsId = frame.stream_id;
        document.dispatchEvent(new CustomEvent("cryptodash:markets", { detail: frame }));
        break;
      case "alert": // one of the signed-in user's alerts fired (static/js/alert_notices.js shows it)
        document.dispatchEvent(new CustomEvent("cryptodash:alert", { detail: frame }));
        break;
      default: // connected, pong, error (no_data: the page keeps what it shows)
        break;
    }
  }

  function connect() {
    reconnectTimer = null;
    if (state === null) setState("connecting");
    var url = (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/ws";
    if (lastId) url += "?last_id=" + encodeURIComponent(lastId);
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = function () {
      attempts = 0;
      setState("live");
      stopPolling();
      pingTimer = window.setInterval(function () {
        if (ws.readyState === WebSocket.OPEN) ws.send("ping");
      }, PING_MS);
    };
    ws.onmessage = onFrame;
    ws.onclose = function () {
      if (socket !== ws) return;
      socket = null;
      window.clearInterval(pingTimer);
      if (navigator.onLine === false) setState("offline");
      else if (state !== "polling") setState("reconnecting");
      startPolling();
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (reconnectTimer !== null) return;
    // Exponential backoff with jitter, so a server restart is not met by every tab at once.
    var base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * Math.pow(2, attempts));
    attempts += 1;
    reconnectTimer = window.setTimeout(connect, base / 2 + Math.random() * (base / 2));
  }

  /* --- polling while the socket is down -------------------------------------------------------- */
  function poll() {
    fetch("/api/crypto/dashboard-summary", { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body, saved: response.headers.get("X-Cryptodash-Saved") === "1" };
        });
      })
      .then(function (result) {
        if (socket && socket.readyState === WebSocket.OPEN) return;
        if (result.saved) {
          // The service worker's copy from the last visit: nobody answered.
          setState(navigator.onLine === false ? "offline" : "reconnecting");
          return;
        }
        setState("polling"); // the server answers, even if it has no data yet (503 {"error"})
        if (!result.ok || !result.body || typeof result.body !== "object") return;
        var data = {};
        Object.keys(result.body).forEach(function (key) {
          if (key !== "stream_id") data[key] = result.body[key];
        });
        applySummary(data, result.body.stream_id || null, false);
      })
      .catch(function () {
        if (!(socket && socket.readyState === WebSocket.OPEN)) setState(navigator.onLine === false ? "offline" : "reconnecting");
      });
  }

  /* The market table as a markets_update frame (a page with [data-markets-poll] only). */
  function pollMarkets() {
    if (!marketsPollEl) return;
    var wanted = (marketsPollEl.getAttribute("data-markets-poll") || "").split(/\s+/).filter(Boolean);
    fetch("/api/crypto/markets?currency=usd", { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.headers.get("X-Cryptodash-Saved") === "1") return null;
        return response.json();
      })
      .then(function (body) {
        if (socket && socket.readyState === WebSocket.OPEN) return;
        if (!body || !Array.isArray(body.coins) || !body.stream_id || !isNewer(body.stream_id, marketsId)) return;
        marketsId = body.stream_id;
        var rows = body.coins
          .filter(function (coin) { return coin && (!wanted.length || wanted.indexOf(coin.id) !== -1); })
          .map(function (coin) {
            return MARKETS_FIELDS.map(function (field) { return field in coin ? coin[field] : null; });
          });
        var frame = { type: "markets_update", stream_id: body.stream_id, prev_id: null, fields: MARKETS_FIELDS.slice(),
          rows: rows, polled: true };
        document.dispatchEvent(new CustomEvent("cryptodash:markets", { detail: frame }));
      })
      .catch(function () {
        // The summary's poll reports the connection state; the page keeps the numbers it shows.
      });
  }

  function pollBoth() {
    poll();
    pollMarkets();
  }

  function startPolling() {
    if (pollTimer !== null) return;
    pollBoth();
    pollTimer = window.setInterval(pollBoth, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer === null) return;
    window.clearInterval(pollTimer);
    pollTimer = null;
  }

  window.addEventListener("offline", function () { setState("offline"); });

  window.addEventListener("online", function () {
    if (socket === null && reconnectTimer !== null) {
      window.clearTimeout(reconnectTimer);
      connect();
    }
  });

  connect();
})();
