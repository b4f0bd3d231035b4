/* The market table (/markets) on top of the server's first paint: sorting by any column, search by
 * name or symbol, live rows, prices in the page's currency. It never invents a value: an unknown
 * number shows the em dash. Text is only ever set with textContent.
 *
 * Each <tr data-id> carries its USD numbers in data-* attributes (price, change_1h, change_24h,
 * change_7d, market_cap, volume_24h, rank, name, symbol); cells [data-cell] show them in the
 * page's currency (#markets data-currency / data-rate, formatted by CryptodashFormat.money).
 *
 * Live rows: live.js dispatches `cryptodash:markets` for each markets_update frame (SPEC-MARKETS in
 * docs/ARCHITECTURE.md): {stream_id, prev_id, fields, rows: [[id, ...values]], ids?}. The rows are
 * the coins whose numbers changed since prev_id; when the page does not hold prev_id (it missed a
 * frame) or a coin is new, it reads the whole table from GET /api/crypto/markets instead. The
 * summary (cryptodash:summary) keeps the tracked coins' prices (rows with data-key) and the rate
 * current. While the socket is down the table is polled over HTTP.
 *
 * Exchange ticks (cryptodash:ticks, at most WS_TICK_HZ a second) move a tracked coin's price and
 * 24 h change at once; while its tick is fresh (data-tick-fresh-s) the table's CoinGecko 24 h
 * change does not replace the exchange's. A tracked row's price cell carries its USD price in
 * data-value, so static/js/flash.js flashes the direction of every live change.
 */
(function () {
  "use strict";
  var root = document.getElementById("markets");
  if (!root) return;
  var F = window.CryptodashFormat;
  var lang = document.documentElement.lang === "en" ? "en" : "vi";
  var configEl = document.getElementById("markets-i18n");
  var labels = configEl ? JSON.parse(configEl.textContent).labels || {} : {};
  var tbody = document.getElementById("markets-rows");
  var table = document.getElementById("markets-table");
  var search = document.getElementById("markets-q");
  var sortSelect = document.getElementById("markets-sort");
  var orderSelect = document.getElementById("markets-order");
  var countEl = document.getElementById("markets-count");
  var emptyEl = document.getElementById("markets-empty");
  var statusEl = document.getElementById("connection-status");
  var currency = root.getAttribute("data-currency") || "usd";
  var rate = Number(root.getAttribute("data-rate")) || 1;
  var marketsId = root.getAttribute("data-markets-stream-id") || null;
  var sort = root.getAttribute("data-sort") || "rank";
  var order = root.getAttribute("data-order") || "asc";
  var POLL_MS = 5000; // as live.js polls the summary while the socket is down
  var NUMERIC = ["rank", "price", "change_1h", "change_24h", "change_7d", "market_cap", "volume_24h"];
  var MONEY = { price: false, market_cap: true, volume_24h: true };
  var CHANGES = ["change_1h", "change_24h", "change_7d"];

  if (!tbody) {
    // "No data yet": the first table to arrive brings the full page.
    document.addEventListener("cryptodash:markets", function () { window.location.reload(); }, { once: true });
    return;
  }

  function rows() {
    return Array.prototype.slice.call(tbody.querySelectorAll("tr[data-id]"));
  }

  function num(tr, key) {
    var raw = tr.getAttribute("data-" + key);
    if (raw === null || raw === "") return null;
    var n = Number(raw);
    return isFinite(n) ? n : null;
  }

  /* --- painting ------------------------------------------------------------------------------- */
  function signClass(value) {
    return value === null ? "unknown" : value > 0 ? "up" : value < 0 ? "down" : "flat";
  }

  function paintRow(tr) {
    Object.keys(MONEY).forEach(function (key) {
      var cell = tr.querySelector("[data-cell='" + key + "']");
      var usd = num(tr, key);
      if (cell) cell.textContent = F.money(usd === null ? null : usd * rate, currency, lang, MONEY[key]);
    });
    CHANGES.forEach(function (key) {
      var cell = tr.querySelector("[data-cell='" + key + "']");
      if (!cell) return;
      var value = num(tr, key);
      cell.textContent = F.format(value, "change", lang);
      cell.classList.remove("up", "down", "flat", "unknown");
      cell.classList.add(signClass(value));
    });
    var rankCell = tr.querySelector(".col-rank");
    if (rankCell) rankCell.textContent = num(tr, "rank") === null ? F.UNKNOWN : String(num(tr, "rank"));
  }

  function flash(tr, up) {
    tr.classList.remove("flash-up", "flash-down");
    // Restart the animation: reading offsetWidth applies the removal first.
    void tr.offsetWidth;
    tr.classList.add(up ? "flash-up" : "flash-down");
  }

  /* --- sorting and search ----------------------------------------------------------------------- */
  // Starred rows (data-watch, set by static/js/watchlist.js) first, each group in the column's order.
  function compare(a, b) {
    var aw = a.hasAttribute("data-watch");
    if (aw !== b.hasAttribute("data-watch")) return aw ? -1 : 1;
    return compareColumn(a, b);
  }

  function compareColumn(a, b) {
    var av, bv;
    if (sort === "name") {
      av = (a.getAttribute("data-name") || "").toLowerCase();
      bv = (b.getAttribute("data-name") || "").toLowerCase();
      if (!av && !bv) return 0;
      if (!av) return 1;
      if (!bv) return -1;
      var c = av.localeCompare(bv);
      return order === "asc" ? c : -c;
    }
    av = num(a, sort);
    bv = num(b, sort);
    if (av === null && bv === null) return (num(a, "rank") || 1e9) - (num(b, "rank") || 1e9);
    if (av === null) return 1; // unknown last in either order
    if (bv === null) return -1;
    if (av === bv) return (num(a, "rank") || 1e9) - (num(b, "rank") || 1e9);
    return order === "asc" ? av - bv : bv - av;
  }

  function applySort() {
    var sorted = rows().sort(compare);
    var fragment = document.createDocumentFragment();
    sorted.forEach(function (tr) { fragment.appendChild(tr); });
    tbody.appendChild(fragment);
    if (table) {
      Array.prototype.forEach.call(table.querySelectorAll("th[aria-sort]"), function (th) {
        var link = th.querySelector("[data-sort-key]");
        var key = link ? link.getAttribute("data-sort-key") : null;
        th.setAttribute("aria-sort", key === sort ? (order === "asc" ? "ascending" : "descending") : "none");
      });
    }
    if (sortSelect) sortSelect.value = sort;
    if (orderSelect) orderSelect.value = order;
    root.setAttribute("data-sort", sort);
    root.setAttribute("data-order", order);
  }

  function applySearch() {
    var needle = search ? search.value.trim().toLowerCase() : "";
    var watchOnly = root.hasAttribute("data-watchlist-only");
    var shown = 0;
    rows().forEach(function (tr) {
      var hay = [tr.getAttribute("data-name"), tr.getAttribute("data-symbol"), tr.getAttribute("data-id")]
        .join(" ").toLowerCase();
      var match = (!needle || hay.indexOf(needle) >= 0) && (!watchOnly || tr.hasAttribute("data-watch"));
      tr.hidden = !match;
      if (match) shown += 1;
    });
    if (emptyEl) emptyEl.hidden = shown > 0;
    if (countEl) {
      var template = shown === 1 ? labels.count_one : labels.count_many;
      if (template) countEl.textContent = template.replace("%(count)s", String(shown));
    }
  }

  function remember() {
    var params = new URLSearchParams();
    if (sort !== "rank") params.set("sort", sort);
    var defaultOrder = sort === "rank" || sort === "name" ? "asc" : "desc";
    if (order !== defaultOrder) params.set("order", order);
    var q = search ? search.value.trim() : "";
    if (q) params.set("q", q);
    var query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }

  if (table) {
    table.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("[data-sort-key]") : null;
      if (!link) return;
      event.preventDefault();
      var key = link.getAttribute("data-sort-key");
      if (key === sort) {
        order = order === "asc" ? "desc" : "asc";
      } else {
        sort = key;
        order = key === "rank" || key === "name" ? "asc" : "desc";
      }
      applySort();
      remember();
    });
    // The headings are links with role=button: Space activates them as it does a button.
    table.addEventListener("keydown", function (event) {
      if (event.key !== " ") return;
      var link = event.target.closest ? event.target.closest("[data-sort-key]") : null;
      if (!link) return;
      event.preventDefault();
      link.click();
    });
  }
  if (search) {
    search.addEventListener("input", function () {
      applySearch();
      remember();
    });
  }
  if (sortSelect) {
    sortSelect.addEventListener("change", function () {
      sort = sortSelect.value;
      order = sort === "rank" || sort === "name" ? "asc" : "desc";
      applySort();
      remember();
    });
  }
  if (orderSelect) {
    orderSelect.addEventListener("change", function () {
      order = orderSelect.value === "asc" ? "asc" : "desc";
      applySort();
      remember();
    });
  }
  var form = document.getElementById("markets-search");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      applySearch();
      remember();
    });
  }

  /* --- live rows ------------------------------------------------------------------------------ */
  var byId = {};
  rows().forEach(function (tr) { byId[tr.getAttribute("data-id")] = tr; });

  function setValues(tr, values) {
    var before = num(tr, "price");
    Object.keys(values).forEach(function (key) {
      var value = values[key];
      tr.setAttribute("data-" + key, value === null || value === undefined ? "" : String(value));
    });
    paintRow(tr);
    var after = num(tr, "price");
    if (before !== null && after !== null && after !== before) flash(tr, after > before);
  }

  function fieldName(field) {
    return field === "price_usd" ? "price" : field;
  }

  var refetching = false;
  function refetch() {
    if (refetching) return;
    refetching = true;
    fetch("/api/crypto/markets?currency=usd", { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && Array.isArray(body.coins)) applyTable(body);
      })
      .catch(function () {})
      .then(function () { refetching = false; });
  }

  function applyTable(body) {
    var missing = false;
    var listed = {};
    body.coins.forEach(function (coin) { listed[coin.id] = true; });
    // A coin that left the table leaves the page too.
    Object.keys(byId).forEach(function (id) {
      if (listed[id]) return;
      byId[id].parentNode.removeChild(byId[id]);
      delete byId[id];
    });
    body.coins.forEach(function (coin) {
      var tr = byId[coin.id];
      if (!tr) {
        missing = true;
        return;
      }
      var values = {
        rank: coin.rank, price: coin.price_usd, change_1h: coin.change_1h, change_24h: coin.change_24h,
        change_7d: coin.change_7d, market_cap: coin.market_cap, volume_24h: coin.volume_24h,
      };
      // A fresh exchange tick is newer than the table's price and 24 h change of its coin.
      if (tickHolds(tr.getAttribute("data-key"))) {
        delete values.price;
        delete values.change_24h;
      }
      setValues(tr, values);
    });
    marketsId = body.stream_id || marketsId;
    root.setAttribute("data-markets-stream-id", marketsId || "");
    touched(body.stream_id);
    applySort();
    applySearch();
    // A coin entered the top of the table: the server renders its name, link and sparkline.
    if (missing) window.location.reload();
  }

  function applyFrame(frame) {
    if (!frame || !Array.isArray(frame.rows) || !Array.isArray(frame.fields)) return;
    if (frame.stream_id && marketsId && idNotNewer(frame.stream_id, marketsId)) return;
    if (!marketsId || frame.prev_id !== marketsId) {
      refetch(); // a frame was missed (or this page knows none): the whole table instead
      return;
    }
    var unknown = false;
    frame.rows.forEach(function (row) {
      var tr = byId[row[0]];
      if (!tr) {
        unknown = true;
        return;
      }
      var values = {};
      for (var i = 1; i < frame.fields.length; i++) values[fieldName(frame.fields[i])] = row[i];
      // A tracked coin's price comes with the summary (Binance, every few seconds) and the
      // exchange ticks, not the table; so does its 24 h change while a tick is fresh.
      if (tr.hasAttribute("data-key")) delete values.price;
      if (tickHolds(tr.getAttribute("data-key"))) delete values.change_24h;
      setValues(tr, values);
    });
    if (unknown || (frame.ids && frame.ids.some(function (id) { return !byId[id]; }))) {
      refetch();
      return;
    }
    marketsId = frame.stream_id;
    root.setAttribute("data-markets-stream-id", marketsId);
    touched(frame.stream_id);
    applySort();
    applySearch();
  }

  function idNotNewer(a, b) {
    var x = String(a).split("-").map(Number);
    var y = String(b).split("-").map(Number);
    return x[0] < y[0] || (x[0] === y[0] && x[1] <= y[1]);
  }

  document.addEventListener("cryptodash:markets", function (event) { applyFrame(event.detail); });

  /* --- the tracked coins' live prices: the summary and the exchange ticks ----------------------- */
  var freshEl = document.querySelector("[data-tick-fresh-s]");
  var TICK_FRESH_MS = (freshEl ? Number(freshEl.getAttribute("data-tick-fresh-s")) || 15 : 15) * 1000;
  var tickAt = {}; // coin key -> exchange time (ms) of the newest tick shown

  function tickHolds(key) {
    return Boolean(key && tickAt[key] && Date.now() - tickAt[key] <= TICK_FRESH_MS);
  }

  // The cue of a live price is flash.js's (data-value, the USD price): the cell flashes, not the row.
  function markPrice(tr) {
    var cell = tr.querySelector("[data-cell='price']");
    if (cell && num(tr, "price") !== null) cell.setAttribute("data-value", String(num(tr, "price")));
  }

  function setLive(tr, values) {
    Object.keys(values).forEach(function (key) { tr.setAttribute("data-" + key, String(values[key])); });
    paintRow(tr);
    markPrice(tr);
  }

  rows().forEach(function (tr) {
    if (tr.hasAttribute("data-key")) markPrice(tr);
  });

  document.addEventListener("cryptodash:ticks", function (event) {
    var moved = (event.detail && event.detail.ticks) || {};
    rows().forEach(function (tr) {
      var key = tr.getAttribute("data-key");
      var tick = key ? moved[key] : null;
      if (!tick) return;
      tickAt[key] = tick.t;
      var values = { price: tick.price_usd };
      if (typeof tick.change_24h === "number" && isFinite(tick.change_24h)) values.change_24h = tick.change_24h;
      setLive(tr, values);
    });
  });

  // The summary carries the tracked coins' live prices (live.js puts a fresh tick over its REST
  // price) and the exchange rates.
  document.addEventListener("cryptodash:summary", function (event) {
    var data = event.detail && event.detail.data;
    if (!data) return;
    rows().forEach(function (tr) {
      var key = tr.getAttribute("data-key");
      var price = key ? data[key + "_price_usd"] : null;
      if (typeof price === "number" && isFinite(price)) setLive(tr, { price: price });
    });
    var fx = data.fx;
    if (currency === "usd" || !fx || typeof fx[currency] !== "number" || !(fx[currency] > 0)) return;
    if (fx[currency] === rate) return;
    rate = fx[currency];
    root.setAttribute("data-rate", String(rate));
    rows().forEach(paintRow);
  });

  /* --- the data age, polling while the socket is down ------------------------------------------ */
  var ageEl = document.getElementById("markets-age");
  var staleBanner = document.getElementById("markets-stale");
  var staleAfter = Number(root.getAttribute("data-stale-after")) || 180;
  function touched(streamId) {
    var ms = Number(String(streamId || "").split("-")[0]);
    if (ageEl && ms) ageEl.setAttribute("data-age-at", String(ms / 1000));
    tickAge();
  }
  function tickAge() {
    if (!ageEl) return;
    var at = Number(ageEl.getAttribute("data-age-at"));
    if (!at) return;
    var age = Date.now() / 1000 - at;
    ageEl.textContent = F.age(age, lang);
    if (staleBanner && age > staleAfter) staleBanner.hidden = false;
  }
  window.setInterval(tickAge, 1000);

  window.setInterval(function () {
    var state = statusEl ? statusEl.getAttribute("data-state") : "offline";
    if (state !== "live") refetch();
  }, POLL_MS);

  // The watchlist's stars and its "only" switch (watchlist.js may have set them before this ran).
  document.addEventListener("cryptodash:watchlist", function () {
    applySort();
    applySearch();
  });
  if (tbody.querySelector("tr[data-watch]")) applySort();
  applySearch();
})();
