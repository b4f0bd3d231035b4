/* A fired alert of the signed-in user, as live.js hands it over (event "cryptodash:alert"): an
 * in-page notice, and a browser notification when the user allowed them. A fire that comes twice
 * (the server may send it again after a restart) is shown once. */
(function () {
  "use strict";
  var shown = {};
  var box = null;

  function textOf(fire) {
    var lang = (document.documentElement.lang || "vi").slice(0, 2);
    var text = (fire.text && (fire.text[lang] || fire.text.vi || fire.text.en)) || "";
    return fire.note ? text + " — " + fire.note : text;
  }

  function toast(fire) {
    if (box === null) {
      box = document.createElement("div");
      box.className = "alert-toasts";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    var item = document.createElement("div");
    item.className = "alert-toast";
    item.setAttribute("data-fire-id", String(fire.fire_id));
    var title = document.createElement("strong");
    title.textContent = "cryptodash";
    var body = document.createElement("span");
    body.textContent = textOf(fire);
    item.appendChild(title);
    item.appendChild(body);
    box.appendChild(item);
    window.setTimeout(function () { item.remove(); }, 30000);
  }

  document.addEventListener("cryptodash:alert", function (event) {
    var fire = event.detail || {};
    if (!fire.fire_id || shown[fire.fire_id]) return;
    shown[fire.fire_id] = true;
    toast(fire);
    if ("Notification" in window && Notification.permission === "granted" && document.visibilityState !== "visible") {
      try { new Notification("cryptodash", { body: textOf(fire), tag: "alert-" + fire.fire_id }); } catch (e) { /* some browsers only notify from a service worker */ }
    }
  });
})();
