/*
 * The report page's side of the sandboxed report frame: height, theme, language and contents.
 *
 * Messages are accepted only when event.source is the frame's own window (a sandboxed frame's
 * origin is "null", so the origin cannot identify it) and only in the few shapes below; sizes are
 * clamped. Nothing from the frame is ever inserted into this page as markup.
 */
(function () {
  "use strict";

  var frame = document.getElementById("report-frame");
  if (!frame) return;
  var MIN_HEIGHT = 120;
  var MAX_HEIGHT = 200000;
  var state = { lang: frame.getAttribute("data-report-lang") || "vi" };

  function send(message) {
    if (frame.contentWindow) frame.contentWindow.postMessage(message, "*");
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
    if (event.source !== frame.contentWindow) return;
    var message = event.data;
    if (!message || typeof message !== "object" || typeof message.type !== "string") return;
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

  // The frame may have reported its height before this script listened: ask again.
  function hello() {
    send({ type: "cryptodash:theme", theme: theme() });
    send({ type: "cryptodash:measure" });
  }
  frame.addEventListener("load", hello);
  hello();

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
