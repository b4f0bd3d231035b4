/*
 * Bootstrap of the isolated report document (sandboxed, opaque origin, strict CSP).
 *
 * It registers each language's report script (wrapped server-side in its own function), shows one
 * version at a time and calls the report's initializeAllVisuals_report() after load and after
 * every language switch. It takes theme, language and section requests only from its parent
 * window and answers with its content height and section offsets, and says when the document is
 * being left (the parent then removes the frame). It never reads or sends anything else: the
 * document has no cookies, no storage and no network access.
 */
(function () {
  "use strict";

  var factories = {};
  var config = null;
  var pristine = {};
  var lastHeight = 0;

  Object.defineProperty(window, "cryptodashReport", {
    value: Object.freeze({
      define: function (lang, factory) {
        if (typeof lang === "string" && typeof factory === "function" && !factories[lang]) {
          factories[lang] = factory;
        }
      }
    }),
    writable: false,
    configurable: false
  });

  // Taken before any report script runs: window.parent is replaceable, the report could shadow it.
  var parentWindow = window.parent;
  var isFramed = Boolean(parentWindow) && parentWindow !== window;

  function tell(message) {
    // The parent's origin is unknown to an opaque-origin document; messages carry nothing private.
    if (isFramed) parentWindow.postMessage(message, "*");
  }

  // This document leaves its frame only when something navigates the frame (the report's script,
  // a link, a refresh): the parent then removes the frame. Registered before any report script,
  // so it runs whatever listeners the report adds.
  window.addEventListener("pagehide", function () {
    tell({ type: "cryptodash:report-leaving" });
  });

  function root() {
    return document.getElementById("report-root");
  }

  function postHeight() {
    var body = document.body;
    if (!body) return;
    var height = Math.ceil(body.getBoundingClientRect().height);
    if (height !== lastHeight) {
      lastHeight = height;
      tell({ type: "cryptodash:report-height", height: height });
    }
  }

  function initialise(lang) {
    var factory = factories[lang];
    var init = null;
    try {
      init = factory ? factory() : null;
    } catch (error) {
      console.error("report script failed", error);
    }
    if (typeof init !== "function" && typeof window.initializeAllVisuals_report === "function") {
      init = window.initializeAllVisuals_report;
    }
    if (typeof init === "function") {
      try {
        init();
      } catch (error) {
        console.error("initializeAllVisuals_report failed", error);
      }
    }
  }

  function show(lang) {
    if (config.languages.indexOf(lang) === -1) lang = config.languages[0];
    var el = root();
    if (el.getAttribute("data-lang") !== lang) {
      var html = pristine[lang] !== undefined ? pristine[lang] : config.html[lang];
      if (typeof html !== "string") return;
      el.innerHTML = html;
      el.setAttribute("data-lang", lang);
    }
    document.documentElement.lang = lang;
    initialise(lang);
    tell({ type: "cryptodash:report-lang", lang: lang });
    postHeight();
  }

  function setTheme(theme) {
    if (theme === "light" || theme === "dark") document.documentElement.setAttribute("data-theme", theme);
  }

  function sectionOffset(index) {
    var headings = root().querySelectorAll("h2, h3");
    var heading = headings[index];
    if (!heading) return;
    var top = heading.getBoundingClientRect().top + window.scrollY;
    if (isFramed) {
      tell({ type: "cryptodash:report-section", index: index, top: Math.max(0, Math.round(top)) });
    } else {
      window.scrollTo({ top: top, behavior: "smooth" });
    }
  }

  window.addEventListener("message", function (event) {
    // Only the page that frames this document may steer it.
    if (!isFramed || event.source !== parentWindow) return;
    var message = event.data;
    if (!message || typeof message !== "object" || typeof message.type !== "string") return;
    if (message.type === "cryptodash:theme") {
      setTheme(message.theme);
    } else if (message.type === "cryptodash:lang" && typeof message.lang === "string") {
      if (root().getAttribute("data-lang") !== message.lang) show(message.lang);
    } else if (message.type === "cryptodash:measure") {
      lastHeight = 0;
      postHeight();
    } else if (message.type === "cryptodash:section" && Number.isInteger(message.index) && message.index >= 0) {
      sectionOffset(message.index);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    config = JSON.parse(document.getElementById("report-config").textContent);
    var el = root();
    pristine[el.getAttribute("data-lang")] = el.innerHTML;
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(postHeight).observe(document.body);
    }
    window.addEventListener("load", postHeight);
    show(el.getAttribute("data-lang"));
    tell({ type: "cryptodash:report-ready", lang: el.getAttribute("data-lang") });
  });
})();
