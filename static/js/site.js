/* Site-wide behaviour: the theme toggle. It flips data-theme at once and stores the choice in
 * the cookie the server reads, so the next page is rendered in that theme (no flash). Without
 * JavaScript the toggle is a plain link to ?theme=..., which sets the same cookie server-side. */
(function () {
  "use strict";
  var COOKIE = "cryptodash_theme";
  var toggle = document.getElementById("theme-toggle");
  if (!toggle) return;
  toggle.addEventListener("click", function (event) {
    event.preventDefault();
    var root = document.documentElement;
    var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    document.cookie = COOKIE + "=" + next + "; Max-Age=31536000; Path=/; SameSite=Lax";
    var label = toggle.getAttribute("data-label-" + next);
    toggle.setAttribute("aria-label", label);
    toggle.setAttribute("title", label);
    toggle.setAttribute("href", "?theme=" + (next === "dark" ? "light" : "dark"));
  });
})();
