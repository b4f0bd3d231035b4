/* The visitor's currency and time zone (shared_components/preferences.py reads the same cookies).
 *
 * Currency: the header's select (#currency-select) stores the choice in the cryptodash_currency
 * cookie and reloads, so the server renders every price in it (without JavaScript, the form sends
 * ?currency=, which sets the same cookie server-side).
 *
 * Time zone: the browser's own IANA zone goes into the cryptodash_tz cookie, so the next page is
 * rendered in it. On this page, every <time data-local datetime="..."> is rewritten in that zone
 * with formatting.time_format's layout ('20:35:10 26/11/2026 (UTC+07)' / '2026-11-26 20:35:10
 * UTC+07'), and [data-zone-sentence] names the zone. Text is only ever set with textContent.
 * An alias the browser reports (Asia/Saigon) is stored under its canonical name (Asia/Ho_Chi_Minh).
 *   window.CryptodashPrefs.timeText(date, lang) -> text in the visitor's zone
 *   window.CryptodashPrefs.zoneCanonical(name) -> the canonical IANA name of name
 */
(function () {
  "use strict";
  var CURRENCY_COOKIE = "cryptodash_currency";
  var ZONE_COOKIE = "cryptodash_tz";
  var YEAR = 31536000;
  var lang = document.documentElement.lang === "en" ? "en" : "vi";

  function cookie(name) {
    var match = new RegExp("(?:^|; )" + name + "=([^;]*)").exec(document.cookie);
    return match ? match[1] : null;
  }

  // Written as is, not percent-encoded: the server compares the raw cookie with IANA names
  // ("Europe/Paris") and currency codes, all of them cookie-safe characters.
  function setCookie(name, value) {
    if (!/^[A-Za-z0-9_+\-\/]{1,64}$/.test(value)) return;
    document.cookie = name + "=" + value + "; Max-Age=" + YEAR + "; Path=/; SameSite=Lax";
  }

  /* --- currency ---------------------------------------------------------------------------------- */
  var select = document.getElementById("currency-select");
  if (select) {
    select.addEventListener("change", function () {
      setCookie(CURRENCY_COOKIE, select.value);
      window.location.reload();
    });
  }

  /* --- time zone --------------------------------------------------------------------------------- */
  // preferences.TIME_ZONE_ALIASES: the common backward links of the IANA database, which Chromium's
  // Intl still reports (Asia/Saigon for Vietnam), each to its canonical name, so the cookie names a
  // zone as the server does and one zone is one cached page.
  var ZONE_ALIASES = {
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca",
    "America/Cordoba": "America/Argentina/Cordoba",
    "America/Godthab": "America/Nuuk",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Louisville": "America/Kentucky/Louisville",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Dacca": "Asia/Dhaka",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Macao": "Asia/Macau",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Thimbu": "Asia/Thimphu",
    "Asia/Ujung_Pandang": "Asia/Makassar",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Europe/Kiev": "Europe/Kyiv",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk",
    "US/Alaska": "America/Anchorage",
    "US/Arizona": "America/Phoenix",
    "US/Central": "America/Chicago",
    "US/Eastern": "America/New_York",
    "US/Hawaii": "Pacific/Honolulu",
    "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles",
  };

  function zoneCanonical(name) {
    return Object.prototype.hasOwnProperty.call(ZONE_ALIASES, name) ? ZONE_ALIASES[name] : name;
  }

  var zone = null;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch (e) {
    zone = null;
  }
  if (zone) zone = zoneCanonical(zone);
  var sentence = document.querySelector("[data-zone-sentence]");
  var rendered = sentence ? sentence.getAttribute("data-zone") : null;
  if (zone && cookie(ZONE_COOKIE) !== zone) setCookie(ZONE_COOKIE, zone);

  function parts(date) {
    var dtf = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "longOffset",
    });
    var out = {};
    dtf.formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }

  function zoneLabel(offsetName) {
    // "GMT+07:00" -> "UTC+07", "GMT+05:30" -> "UTC+05:30", "GMT" -> "UTC+00" (formatting.time_format)
    var m = /([+-])(\d{2}):?(\d{2})?/.exec(offsetName || "");
    if (!m) return "UTC+00";
    return "UTC" + m[1] + m[2] + (m[3] && m[3] !== "00" ? ":" + m[3] : "");
  }

  function timeText(date, language) {
    var p = parts(date);
    var hms = p.hour + ":" + p.minute + ":" + p.second;
    var label = zoneLabel(p.timeZoneName);
    if ((language || lang) === "en") return p.year + "-" + p.month + "-" + p.day + " " + hms + " " + label;
    return hms + " " + p.day + "/" + p.month + "/" + p.year + " (" + label + ")";
  }

  function rewriteTimes(root) {
    var els = (root || document).querySelectorAll("time[data-local]");
    for (var i = 0; i < els.length; i++) {
      var at = Date.parse(els[i].getAttribute("datetime") || "");
      if (isFinite(at)) els[i].textContent = timeText(new Date(at), lang);
    }
  }

  if (zone && rendered && zone !== rendered) {
    try {
      rewriteTimes(document);
      sentence.textContent = sentence.textContent.replace(rendered, zone);
      sentence.setAttribute("data-zone", zone);
    } catch (e) {
      // An engine without longOffset names keeps the server's times, which name their zone.
    }
  }

  window.CryptodashPrefs = { timeText: timeText, rewriteTimes: rewriteTimes, zone: zone || rendered, zoneCanonical: zoneCanonical };
})();
