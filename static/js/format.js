/* Number, currency, percent and age display in Vietnamese and English: the rules of
 * islands/shared_components/formatting.py, so live updates read exactly like the server's
 * rendering (the shared_components tests compare both). Unknown values become an em dash,
 * never "NaN", "null" or "undefined".
 *   window.CryptodashFormat.format(value, kind, lang)  kind: price usd usd_compact compact percent change int number
 *   window.CryptodashFormat.age(seconds, lang)
 *   window.CryptodashFormat.money(value, currency, lang, compact)  currency: usd vnd eur (formatting.money_format)
 */
(function () {
  "use strict";
  var UNKNOWN = "\u2014";
  var SCALES = [
    [1e12, "T", "nghìn tỷ"],
    [1e9, "B", "tỷ"],
    [1e6, "M", "triệu"],
  ];
  var AGE = {
    en: { s: "s", m: "min", h: "h", d: "d", ago: "{n} {unit} ago", now: "just now" },
    vi: { s: "giây", m: "phút", h: "giờ", d: "ngày", ago: "{n} {unit} trước", now: "vừa xong" },
  };

  function langOf(lang) {
    return lang === "en" ? "en" : "vi";
  }

  function toNumber(value) {
    if (value === null || value === undefined || typeof value === "boolean") return null;
    if (typeof value === "string") {
      if (value.trim() === "") return null;
      value = Number(value);
    }
    if (typeof value !== "number" || !isFinite(value)) return null;
    return value;
  }

  function grouped(value, decimals, lang) {
    var fixed = Math.abs(value).toFixed(decimals);
    var parts = fixed.split(".");
    var intPart = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var text = parts.length > 1 ? intPart + "." + parts[1] : intPart;
    if (langOf(lang) === "vi") {
      text = text.replace(/[,.]/g, function (ch) {
        return ch === "," ? "." : ",";
      });
    }
    return text;
  }

  function signed(body, negative, plus) {
    if (!/[1-9]/.test(body)) return body;
    if (negative) return "-" + body;
    return plus ? "+" + body : body;
  }

  function compact(value, lang, currency) {
    var amount = Math.abs(value);
    var prefix = currency ? "$" : "";
    for (var i = 0; i < SCALES.length; i++) {
      if (amount >= SCALES[i][0]) {
        var body = grouped(amount / SCALES[i][0], 2, lang);
        var text = langOf(lang) === "vi" ? prefix + body + " " + SCALES[i][2] : prefix + body + SCALES[i][1];
        return signed(text, value < 0, false);
      }
    }
    return signed(prefix + grouped(amount, amount >= 1000 ? 0 : 2, lang), value < 0, false);
  }

  function format(value, kind, lang) {
    var number = toNumber(value);
    if (number === null) return UNKNOWN;
    var negative = number < 0;
    var amount = Math.abs(number);
    switch (kind) {
      case "price":
        return signed("$" + grouped(number, amount >= 1 || amount === 0 ? 2 : 4, lang), negative, false);
      case "usd":
        return signed("$" + grouped(number, 2, lang), negative, false);
      case "usd_compact":
        return compact(number, lang, true);
      case "compact":
        return compact(number, lang, false);
      case "percent":
        return signed(grouped(number, 2, lang), negative, false) + "%";
      case "change":
        return signed(grouped(number, 2, lang), negative, true) + "%";
      case "int":
        return signed(grouped(number, 0, lang), negative, false);
      case "number":
        return signed(grouped(number, 2, lang), negative, false);
      default:
        return String(grouped(number, 2, lang));
    }
  }

  function age(seconds, lang) {
    var number = toNumber(seconds);
    if (number === null) return UNKNOWN;
    var units = AGE[langOf(lang)];
    number = Math.max(0, Math.floor(number));
    if (number < 1) return units.now;
    var steps = [
      [60, 1, "s"],
      [3600, 60, "m"],
      [86400, 3600, "h"],
    ];
    for (var i = 0; i < steps.length; i++) {
      if (number < steps[i][0]) {
        return units.ago.replace("{n}", Math.floor(number / steps[i][1])).replace("{unit}", units[steps[i][2]]);
      }
    }
    return units.ago.replace("{n}", Math.floor(number / 86400)).replace("{unit}", units.d);
  }

  /* --- money in a display currency: formatting.money_format ------------------------------------ */
  var SYMBOLS = { usd: "$", vnd: "\u20ab", eur: "\u20ac" };
  var SYMBOL_AFTER_IN_VI = { vnd: true, eur: true };
  var MONEY_SCALES = {
    vi: [[1e15, "triệu tỷ"], [1e12, "nghìn tỷ"], [1e9, "tỷ"], [1e6, "triệu"]],
    en: [[1e12, "T"], [1e9, "B"], [1e6, "M"]],
  };

  function moneyDecimals(amount, currency) {
    if (amount === 0) return currency === "vnd" ? 0 : 2;
    if (currency === "vnd" && amount >= 1000) return 0;
    if (amount >= 1) return 2;
    return Math.min(12, Math.max(4, 3 - Math.floor(Math.log10(amount))));
  }

  function trimmed(text, lang) {
    var point = langOf(lang) === "vi" ? "," : ".";
    if (text.indexOf(point) < 0) return text;
    text = text.replace(/0+$/, "");
    return text.charAt(text.length - 1) === point ? text.slice(0, -1) : text;
  }

  function withSymbol(body, currency, lang) {
    var symbol = SYMBOLS[currency];
    if (symbol === undefined) return body + " " + String(currency).toUpperCase();
    if (langOf(lang) === "vi" && SYMBOL_AFTER_IN_VI[currency]) return body + " " + symbol;
    return symbol + body;
  }

  function money(value, currency, lang, compactForm) {
    var number = toNumber(value);
    if (number === null) return UNKNOWN;
    var amount = Math.abs(number);
    if (compactForm) {
      var scales = MONEY_SCALES[langOf(lang)];
      for (var i = 0; i < scales.length; i++) {
        if (amount >= scales[i][0]) {
          var body = trimmed(grouped(amount / scales[i][0], 2, lang), lang);
          body = langOf(lang) === "vi" ? body + " " + scales[i][1] : body + scales[i][1];
          return signed(withSymbol(body, currency, lang), number < 0, false);
        }
      }
    }
    return signed(withSymbol(grouped(amount, moneyDecimals(amount, currency), lang), currency, lang), number < 0, false);
  }

  window.CryptodashFormat = { format: format, age: age, money: money, UNKNOWN: UNKNOWN };
})();
