/* The report page's market panel: the BTC RSI (14) gauge, drawn with createGauge (static/js/charts.js)
 * as on the home page and moved by each live summary (the cryptodash:summary event of live.js).
 * A missing value shows the dash, never a zero. Text is set with textContent only. */
(function () {
  "use strict";
  var el = document.querySelector("[data-report-gauge]");
  if (!el || typeof window.createGauge !== "function") return;
  var field = el.getAttribute("data-report-gauge");
  var caption = document.querySelector("[data-report-gauge-caption]");
  var lang = document.documentElement.lang || "vi";
  var F = window.CryptodashFormat;

  function number(v) {
    if (typeof v === "string" && v.trim() !== "") v = Number(v);
    return typeof v === "number" && isFinite(v) ? v : null;
  }

  function label(v) {
    if (v === null) return "";
    var which = v >= 70 ? "overbought" : v <= 30 ? "oversold" : "neutral";
    return el.getAttribute("data-label-" + which) || which;
  }

  var value = number(el.getAttribute("data-gauge-value"));
  var gauge = window.createGauge(el, value, {
    min: 0, max: 100, showRange: true, title: el.getAttribute("data-gauge-label"),
    bands: [{ to: 30, color: "var(--up)" }, { to: 70, color: "var(--accent)" }, { to: 100, color: "var(--down)" }],
    format: function (v) { return F ? F.format(v, "number", lang) : String(v); }
  });
  if (caption) caption.textContent = label(value);

  document.addEventListener("cryptodash:summary", function (event) {
    var data = event.detail && event.detail.data;
    var v = data ? number(data[field]) : null;
    gauge.update(v);
    if (caption) caption.textContent = label(v);
  });
})();
