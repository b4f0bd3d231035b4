/* The alerts page: fields shown for the chosen condition, a fired alert added to the history at
 * once, browser-notification permission, and the Web Push subscription of this browser. */
(function () {
  "use strict";

  /* --- the form: coin, currency and window only where the condition uses them ------------------ */
  var kind = document.getElementById("id_kind");
  function rows() {
    var value = kind ? kind.value : "";
    var show = {
      coin: /^(price|move)_/.test(value),
      currency: /^price_/.test(value),
      window: /^move_/.test(value)
    };
    Object.keys(show).forEach(function (name) {
      var row = document.querySelector('[data-field-row="' + name + '"]');
      if (row) row.hidden = !show[name];
    });
  }
  if (kind) {
    kind.addEventListener("change", rows);
    rows();
  }

  /* --- a fire arrives over /ws: into the history, and the alert's "last fired" ------------------ */
  function timeText(iso) {
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString();
  }
  document.addEventListener("cryptodash:alert", function (event) {
    var fire = event.detail || {};
    var table = document.querySelector("#fire-table tbody");
    if (!table || table.querySelector('[data-fire-id="' + fire.fire_id + '"]')) return;
    var empty = table.querySelector(".fire-table__empty");
    if (empty) empty.remove();
    var row = document.createElement("tr");
    row.setAttribute("data-fire-id", String(fire.fire_id));
    var lang = (document.documentElement.lang || "vi").slice(0, 2);
    [timeText(fire.fired_at), (fire.text && (fire.text[lang] || fire.text.en)) || "", String(fire.value), ""].forEach(function (text, i) {
      var cell = document.createElement("td");
      if (i === 0) {
        var time = document.createElement("time");
        time.setAttribute("datetime", fire.fired_at);
        time.textContent = text;
        cell.appendChild(time);
      } else {
        cell.textContent = text;
      }
      row.appendChild(cell);
    });
    table.insertBefore(row, table.firstChild);
    var last = document.querySelector('[data-alert-id="' + fire.alert_id + '"] [data-last-fired]');
    if (last) last.textContent = timeText(fire.fired_at);
  });

  /* --- browser notifications ------------------------------------------------------------------ */
  var state = document.getElementById("notify-state");
  function notifyState() {
    if (!state || !("Notification" in window)) return;
    var p = Notification.permission;
    state.textContent = state.getAttribute("data-label-" + (p === "granted" ? "on" : p === "denied" ? "off" : "ask"));
    state.setAttribute("role", p === "default" ? "button" : "status");
    state.tabIndex = p === "default" ? 0 : -1;
  }
  if (state && "Notification" in window) {
    state.addEventListener("click", function () {
      if (Notification.permission === "default") Notification.requestPermission().then(notifyState);
    });
    notifyState();
  }

  /* --- Web Push --------------------------------------------------------------------------------- */
  var push = document.getElementById("push-settings");
  var button = document.getElementById("push-toggle");
  if (!push || !button) return;
  var label = push.querySelector("[data-push-state]");
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function keyBytes(base64url) {
    var text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((base64url.length + 3) % 4));
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }
  function show(on) {
    label.textContent = push.getAttribute(on ? "data-label-on" : "data-label-off");
    button.textContent = button.getAttribute(on ? "data-label-on" : "data-label-off");
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }
  function send(method, subscription) {
    return fetch("/api/push/subscriptions", {
      method: method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      credentials: "same-origin",
      body: JSON.stringify(subscription)
    });
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    label.textContent = push.getAttribute("data-label-unavailable");
    button.hidden = true;
    return;
  }
  navigator.serviceWorker.register(push.getAttribute("data-worker")).then(function (registration) {
    registration.pushManager.getSubscription().then(function (sub) { show(!!sub); });
    button.addEventListener("click", function () {
      registration.pushManager.getSubscription().then(function (sub) {
        if (sub) {
          return send("DELETE", sub.toJSON()).then(function () { return sub.unsubscribe(); }).then(function () { show(false); });
        }
        return registration.pushManager
          .subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(push.getAttribute("data-vapid-key")) })
          .then(function (created) { return send("POST", created.toJSON()); })
          .then(function () { show(true); });
      }).catch(function () { label.textContent = push.getAttribute("data-label-unavailable"); });
    });
  });
})();
