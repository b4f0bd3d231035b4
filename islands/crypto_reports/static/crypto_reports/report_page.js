/*
 * The trusted side of the sandboxed report frame (report page, print page, admin preview): height,
 * theme, language, contents, the print button, and blanking a frame that navigates away.
 *
 * Messages are accepted only when event.source is the frame's own window (a sandboxed frame's
 * origin is "null", so the origin cannot identify it; the one exception is the leaving message,
 * below) and only in the few shapes below; sizes are clamped. Nothing from the frame is ever
 * inserted into this page as markup.
 *
 * The frame must only ever show its report document. This script sets the frame's src itself
 * (from data-src), after it listens to the frame's load events, so it sees the first load; any
 * further load, or the document saying it is being left (pagehide, sent by report_frame.js before
 * any report script runs), means the report navigated its frame (location=…, a link, a refresh):
 * the frame is removed and a notice shown in its place, so another site's page never appears
 * inside this one.
 */
(function () {
  "use strict";

  var frame = document.getElementById("report-frame");
  if (!frame) return;
  var MIN_HEIGHT = 120;
  var MAX_HEIGHT = 200000;
  var state = { lang: frame.getAttribute("data-report-lang") || "vi", loads: 0, blocked: false };

  function block() {
    if (state.blocked) return;
    state.blocked = true;
    var notice = document.getElementById("report-frame-blocked");
    if (notice) notice.hidden = false;
    // Removing the element unloads whatever the frame shows now.
    frame.remove();
  }

  frame.addEventListener("load", function () {
    state.loads += 1;
    if (state.loads > 1) block();
  });

  function send(message) {
    if (!state.blocked && frame.contentWindow) frame.contentWindow.postMessage(message, "*");
  }

  function theme() {
    // A fixed theme (the admin preview's choice) wins over the page's own.
    var fixed = frame.getAttribute("data-report-theme");
    if (fixed === "light" || fixed === "dark") return fixed;
    return document.documentElement.getAttribute("data-theme") === "dark" ? "dark" : "light";
  }

  function showBlocks(lang) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-lang-block]"), function (el) {
      el.hidden = el.getAttribute("data-lang-block") !== lang;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-report-lang-button]"), function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-report-lang-button") === lang));
    });
    var printLink = document.getElementById("report-print-link");
    if (printLink) {
      var url = new URL(printLink.href, window.location.href);
      url.searchParams.set("report_lang", lang);
      printLink.href = url.pathname + url.search;
    }
  }

  window.addEventListener("message", function (event) {
    if (state.blocked) return;
    var message = event.data;
    if (!message || typeof message !== "object" || typeof message.type !== "string") return;
    if (message.type === "cryptodash:report-leaving") {
      // Sent while the document unloads: by the time it arrives its window is gone and
      // event.source is null. Anything that could forge it can only blank this frame.
      if (event.origin === "null" && (event.source === null || event.source === frame.contentWindow)) block();
      return;
    }
    if (event.source !== frame.contentWindow) return;
    if (message.type === "cryptodash:report-height") {
      var height = Number(message.height);
      if (!isFinite(height)) return;
      frame.style.height = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.ceil(height))) + "px";
      frame.setAttribute("data-sized", "true");
    } else if (message.type === "cryptodash:report-ready") {
      send({ type: "cryptodash:theme", theme: theme() });
      if (message.lang !== state.lang) send({ type: "cryptodash:lang", lang: state.lang });
    } else if (message.type === "cryptodash:report-lang") {
      if (message.lang === "vi" || message.lang === "en") frame.setAttribute("data-shown-lang", message.lang);
    } else if (message.type === "cryptodash:report-section") {
      var top = Number(message.top);
      if (!isFinite(top) || top < 0) return;
      var y = frame.getBoundingClientRect().top + window.scrollY + Math.min(top, MAX_HEIGHT) - 12;
      window.scrollTo({ top: y, behavior: "smooth" });
    }
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-report-lang-button]"), function (button) {
    button.addEventListener("click", function () {
      var lang = button.getAttribute("data-report-lang-button");
      if (lang === state.lang) return;
      state.lang = lang;
      showBlocks(lang);
      send({ type: "cryptodash:lang", lang: lang });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-section-index]"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      send({ type: "cryptodash:section", index: Number(link.getAttribute("data-section-index")) });
    });
  });

  function hello() {
    send({ type: "cryptodash:theme", theme: theme() });
    send({ type: "cryptodash:measure" });
  }
  frame.addEventListener("load", hello);
  var src = frame.getAttribute("data-src");
  if (src && !frame.getAttribute("src")) frame.setAttribute("src", src);

  // The print page's button prints this page, the frame's content with it: the sandboxed report
  // itself may not open the print dialog (no allow-modals).
  var printButton = document.getElementById("print-button");
  if (printButton) {
    printButton.addEventListener("click", function () { window.print(); });
  }

  // The live tiles (static/js/live.js fills [data-field]); here only the age of their data.
  var updated = document.querySelector("[data-updated]");
  function showAge() {
    var at = updated ? Number(updated.getAttribute("data-stored-at")) : 0;
    if (!at || !window.CryptodashFormat) return;
    updated.textContent = window.CryptodashFormat.age(Date.now() / 1000 - at, document.documentElement.lang);
  }
  document.addEventListener("cryptodash:summary", function (event) {
    var match = /^(\d+)-\d+$/.exec(String(event.detail && event.detail.stream_id));
    if (!match || !updated) return;
    updated.setAttribute("data-stored-at", String(Number(match[1]) / 1000));
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-none]"), function (el) { el.hidden = true; });
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-some]"), function (el) { el.hidden = false; });
    showAge();
  });
  showAge();
  window.setInterval(showAge, 5000);

  // site.js flips html[data-theme] in place; follow it so the report never mixes themes.
  new MutationObserver(function () {
    send({ type: "cryptodash:theme", theme: theme() });
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
})();
