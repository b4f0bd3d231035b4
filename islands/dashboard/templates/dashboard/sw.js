/* cryptodash service worker (rendered by islands/dashboard/pwa.py; its scope is the whole site).
 *
 * Static files (hashed names, never change): cache first. Pages and the JSON API: network first,
 * and the last good answer is kept, so a reload without network shows the last data (the page
 * itself says it is offline and how old its data is: static/js/offline.js). Everything else
 * (the WebSocket, other origins, non-GET requests, framed report documents) is left to the
 * network and the browser's HTTP cache. */
"use strict";
var SHELL = {{ shell_json|safe }};
var VERSION = {{ version_json|safe }};
var STATIC_CACHE = "cryptodash-static-" + VERSION;
var DATA_CACHE = "cryptodash-data-v1";
var API_CACHED = ["/api/crypto/dashboard-summary", "/api/crypto/history"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then(function (cache) { return cache.addAll(SHELL); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("cryptodash-static-") === 0 && name !== STATIC_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function networkFirst(request) {
  return fetch(request).then(function (response) {
    // no-store (the admin, account pages: Django's never_cache) is never kept.
    var control = response.headers.get("Cache-Control") || "";
    if (response.ok && response.type === "basic" && control.indexOf("no-store") === -1) {
      var copy = response.clone();
      caches.open(DATA_CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.open(DATA_CACHE).then(function (cache) {
      return cache.match(request, { ignoreVary: true });
    }).then(function (hit) {
      if (!hit) throw error;
      // Marked, so live.js can tell a saved copy from a server that answers.
      var headers = new Headers(hit.headers);
      headers.set("X-Cryptodash-Saved", "1");
      return hit.blob().then(function (body) {
        return new Response(body, { status: hit.status, statusText: hit.statusText, headers: headers });
      });
    });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(STATIC_CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(cacheFirst(request));
  } else if ((request.mode === "navigate" && request.destination === "document") || API_CACHED.indexOf(url.pathname) !== -1) {
    // Top-level pages only: a framed report document answers only a frame's own request
    // (Sec-Fetch-Dest: iframe), so the browser fetches it (its HTTP cache keeps it, ?v= versioned).
    event.respondWith(networkFirst(request));
  }
});
