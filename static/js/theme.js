/* Loaded in <head>, before the page is painted: a visitor who never chose a theme (no
 * cryptodash_theme cookie, no ?theme=) gets the one their system asks for. The server renders
 * such pages light (the same cached page for everyone); this flips them to dark before the first
 * paint when prefers-color-scheme says so. An explicit choice (the toggle, ?theme=) always wins. */
(function () {
  "use strict";
  var root = document.documentElement;
  if (/(?:^|;\s*)cryptodash_theme=(?:light|dark)(?:;|$)/.test(document.cookie)) return;
  if (/[?&]theme=(?:light|dark)(?:&|$)/.test(location.search)) return;
  if (window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches) {
    root.setAttribute("data-theme", "dark");
    root.setAttribute("data-theme-auto", "");
  }
})();
