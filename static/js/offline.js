/* The installable app's page side: registers the service worker (/sw.js, rendered by
 * islands/dashboard/pwa.py) and says plainly when the network is gone.
 *
 * Offline (navigator.onLine false, or the browser's "offline" event), #offline-banner appears:
 * "Offline — data from HH:MM", the time being that of the data the page shows (the first
 * [data-stored-at] element, epoch seconds; a page without one says it shows a saved copy). When the
 * network returns, the banner goes and live.js reconnects and catches up from its last stream id;
 * a page that was itself loaded offline (from the worker's cache) is fetched again. */
(function () {
  "use strict";
  var banner = document.getElementById("offline-banner");
  var loadedOffline = navigator.onLine === false;

  if ("serviceWorker" in navigator && window.isSecureContext) {
    // On the first visit the page loaded before the worker existed: once it takes control, ask
    // for the page and its data again through it, so they are in its cache from now on.
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      fetch(window.location.href, { credentials: "same-origin" }).catch(function () {});
      if (document.getElementById("dashboard")) {
        fetch("/api/crypto/dashboard-summary", { headers: { Accept: "application/json" } }).catch(function () {});
      }
    });
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
        /* no worker: the site still works online */
      });
    });
  }
  if (!banner) return;

  function dataTime() {
    var el = document.querySelector("[data-stored-at]");
    var seconds = el ? Number(el.getAttribute("data-stored-at")) : NaN;
    if (!isFinite(seconds) || seconds <= 0) return "";
    var zone = banner.getAttribute("data-time-zone") || undefined;
    var opts = { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone };
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang === "en" ? "en-GB" : "vi-VN", opts)
        .format(new Date(seconds * 1000));
    } catch (e) {
      delete opts.timeZone;
      return new Date(seconds * 1000).toLocaleTimeString([], opts);
    }
  }

  function offline() {
    var text = banner.querySelector("[data-offline-text]");
    var time = dataTime();
    text.textContent = time
      ? (banner.getAttribute("data-label") || "Offline \u2014 data from {time}").replace("{time}", time)
      : banner.getAttribute("data-label-saved") || "Offline";
    banner.hidden = false;
    document.documentElement.setAttribute("data-offline", "");
  }

  function online() {
    banner.hidden = true;
    document.documentElement.removeAttribute("data-offline");
    if (loadedOffline) window.location.reload();
  }

  window.addEventListener("offline", offline);
  window.addEventListener("online", online);
  if (navigator.onLine === false) offline();
})();
