/* A changed value flashes its direction: when live.js writes a new number into a [data-field]
 * element (its data-value attribute), the element gets data-flash="up" or "down" for a moment
 * (the colours are in site.css: a tint behind text that keeps its AA contrast). Under
 * prefers-reduced-motion the tint stays without fading and is removed all at once. Only numbers
 * that really changed flash; a first value or an unknown one does not. */
(function () {
  "use strict";
  var HOLD_MS = 1200;
  var timers = new WeakMap();

  function flash(el, direction) {
    var pending = timers.get(el);
    if (pending) window.clearTimeout(pending);
    el.removeAttribute("data-flash");
    // A reflow between removing and setting restarts the fade when values arrive quickly.
    void el.offsetWidth;
    el.setAttribute("data-flash", direction);
    timers.set(el, window.setTimeout(function () {
      el.removeAttribute("data-flash");
      timers.delete(el);
    }, HOLD_MS));
  }

  var observer = new MutationObserver(function (mutations) {
    mutations.forEach(function (m) {
      if (m.oldValue === null || m.oldValue === "") return;
      var before = Number(m.oldValue);
      var after = Number(m.target.getAttribute("data-value"));
      if (!isFinite(before) || !isFinite(after) || before === after) return;
      flash(m.target, after > before ? "up" : "down");
    });
  });
  observer.observe(document.body, {
    subtree: true, attributes: true, attributeFilter: ["data-value"], attributeOldValue: true
  });
})();
