function initializeAllVisuals_report() {
  createBarChart("weekly-change-chart",
    [{ label: "BTC", value: 1.8 }, { label: "ETH", value: 4.5 }, { label: "SOL", value: 7.2 }, { label: "XRP", value: -2.1 },
     { label: "ADA", value: -3.4 }, { label: "LINK", value: 2.9 }, { label: "BNB", value: 0.6 }],
    { horizontal: true, signColors: true, unit: "%", decimals: 1, locale: "en", title: "7-day change (illustrative)" });
  createDoughnutChart("dominance-chart",
    [{ label: "Bitcoin", value: 54.1 }, { label: "Ethereum", value: 17.3 }, { label: "Others", value: 28.6 }],
    { centerText: "BTC 54%", locale: "en", title: "Market cap split (illustrative)" });
  createGauge("sentiment-gauge", 52, {
    label: "Neutral", min: 0, max: 100,
    bands: [{ to: 25, color: "#c9353b" }, { to: 45, color: "#e8833a" }, { to: 55, color: "#e0a100" }, { to: 75, color: "#7cb342" }, { to: 100, color: "#0f8a4f" }]
  });
  createLineChart("volume-chart",
    { labels: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], datasets: [
      { label: "This week", values: [92, 95, 88, 90, 84, 71, 66] },
      { label: "Last week", values: [98, 101, 94, 97, 93, 80, 75] }] },
    { unit: "B", prefix: "$", locale: "en", points: true, title: "Daily trading volume, USD billions (illustrative)" });
}
