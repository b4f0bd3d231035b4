/* The watchlist: a star on each coin tile and on each row of the market table (/markets). A
 * visitor's stars live in this browser (localStorage); a signed-in user's on the server
 * (/api/watchlist), and the stars set before logging in are added to the account on the first page
 * after it. A coin is named as the API names it: a tracked coin by its key (a tile's "btc", a row's
 * data-key), any other by its CoinGecko id (a row's data-id).
 *
 * Starred coins come first in their row of tiles, and "Watchlist only" hides the others. The table
 * is ordered and filtered by markets.js (it re-sorts on every live update): here each starred row
 * gets data-watch, #markets gets data-watchlist-only, and `cryptodash:watchlist` tells it to apply
 * them. */
(function () {
  "use strict";
  var KEY = "cryptodash:watchlist";
  var ONLY = "cryptodash:watchlist-only";
  var SIGNED_IN = "cryptodash:signed-in";
  var nav = document.querySelector(".account-nav");
  if (!nav) return;
  // Pages rendered for the request say who is signed in, and this browser remembers it for the
  // pages rendered alike for everyone (the cached home page), which cannot say.
  var said = nav.getAttribute("data-signed-in");
  try {
    if (said === "1") window.localStorage.setItem(SIGNED_IN, "1");
    else if (said === "0") window.localStorage.removeItem(SIGNED_IN);
  } catch (e) { /* no storage: only pages that say count */ }
  var signedIn = said === "1" || (said === null && (function () {
    try { return window.localStorage.getItem(SIGNED_IN) === "1"; } catch (e) { return false; }
  })());
  var starred = [];

  function local() {
    try {
      var value = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(value) ? value.filter(function (c) { return typeof c === "string"; }) : [];
    } catch (e) {
      return [];
    }
  }
  function localSave(coins) {
    try {
      if (coins.length) window.localStorage.setItem(KEY, JSON.stringify(coins));
      else window.localStorage.removeItem(KEY);
    } catch (e) { /* private mode: the stars last for this page only */ }
  }
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function server(method, coins) {
    var init = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (coins) {
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRFToken"] = csrf();
      init.body = JSON.stringify({ coins: coins });
    }
    return fetch("/api/watchlist", init).then(function (r) {
      if (r.status === 401) { // the session ended: back to this browser's list
        signedIn = false;
        try { window.localStorage.removeItem(SIGNED_IN); } catch (e) { /* as above */ }
        return { coins: local() };
      }
      return r.ok ? r.json() : { coins: starred };
    });
  }

  function coinTiles() {
    var tiles = [];
    document.querySelectorAll(".tile").forEach(function (tile) {
      var price = tile.querySelector('.tile__value[data-field$="_price_usd"]');
      if (price) tiles.push({ tile: tile, coin: price.getAttribute("data-field").slice(0, -"_price_usd".length) });
    });
    return tiles;
  }

  function tableRows() {
    return Array.prototype.slice.call(document.querySelectorAll("#markets-rows tr[data-id]"));
  }

  function rowCoin(tr) {
    return tr.getAttribute("data-key") || tr.getAttribute("data-id");
  }

  // One star button per coin tile or table row, made once; `place` puts a new one in its spot.
  function star(holder, coin, symbol, place) {
    var on = starred.indexOf(coin) >= 0;
    var button = holder.querySelector(".star");
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "star";
      button.setAttribute("data-coin", coin);
      button.addEventListener("click", function () { toggle(coin); });
      place(button);
    }
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.setAttribute("aria-label", nav.getAttribute(on ? "data-label-unstar" : "data-label-star") + ": " + symbol.toUpperCase());
    button.textContent = on ? "★" : "☆";
    return on;
  }

  function paintTable() {
    var root = document.getElementById("markets");
    var rows = tableRows();
    if (!root || !rows.length) return;
    rows.forEach(function (tr) {
      var cell = tr.querySelector(".col-name");
      if (!cell) return;
      var coin = rowCoin(tr);
      var on = star(cell, coin, tr.getAttribute("data-symbol") || coin, function (button) {
        cell.insertBefore(button, cell.firstChild);
      });
      if (on) tr.setAttribute("data-watch", "");
      else tr.removeAttribute("data-watch");
    });
    var only = starred.length > 0 && stored(ONLY) === "1";
    if (only) root.setAttribute("data-watchlist-only", "");
    else root.removeAttribute("data-watchlist-only");
    var wrap = root.querySelector(".markets-wrap");
    if (wrap) onlyToggle(wrap, only);
    document.dispatchEvent(new CustomEvent("cryptodash:watchlist", { detail: { coins: starred.slice(), only: only } }));
  }

  function paint() {
    paintTable();
    coinTiles().forEach(function (item) {
      var on = star(item.tile, item.coin, item.coin, function (button) {
        item.tile.querySelector(".tile__head").appendChild(button);
      });
      item.tile.classList.toggle("tile--starred", on);
    });
    // Starred coins first, in the order they were starred; the rest keep the page's order.
    var rows = new Map();
    coinTiles().forEach(function (item) {
      var row = rows.get(item.tile.parentNode) || [];
      row.push(item);
      rows.set(item.tile.parentNode, row);
    });
    var only = starred.length > 0 && stored(ONLY) === "1";
    rows.forEach(function (items, parent) {
      var first = items.filter(function (i) { return starred.indexOf(i.coin) >= 0; })
        .sort(function (a, b) { return starred.indexOf(a.coin) - starred.indexOf(b.coin); });
      first.slice().reverse().forEach(function (item) { parent.insertBefore(item.tile, parent.firstChild); });
      items.forEach(function (item) { item.tile.hidden = only && starred.indexOf(item.coin) < 0; });
      onlyToggle(parent, only);
    });
  }

  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  // "Watchlist only": a switch above the coin tiles (or the table), shown once something is starred.
  function onlyToggle(parent, only) {
    var button = parent.previousElementSibling && parent.previousElementSibling.classList.contains("watchlist-only")
      ? parent.previousElementSibling : null;
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "watchlist-only";
      button.textContent = nav.getAttribute("data-label-only");
      button.addEventListener("click", function () {
        try {
          if (stored(ONLY) === "1") window.localStorage.removeItem(ONLY);
          else window.localStorage.setItem(ONLY, "1");
        } catch (e) { /* no storage: nothing to remember */ }
        paint();
      });
      parent.parentNode.insertBefore(button, parent);
    }
    button.hidden = starred.length === 0;
    button.setAttribute("aria-pressed", only ? "true" : "false");
  }

  function toggle(coin) {
    var at = starred.indexOf(coin);
    if (at >= 0) starred.splice(at, 1);
    else starred.push(coin);
    paint();
    if (signedIn) server("PUT", starred).then(function (body) { starred = body.coins || starred; paint(); });
    else localSave(starred);
  }

  if (!signedIn) {
    starred = local();
    paint();
    return;
  }
  var pending = local();
  (pending.length ? server("POST", pending) : server("GET")).then(function (body) {
    starred = body.coins || [];
    if (pending.length) localSave([]);
    paint();
  });
})();
