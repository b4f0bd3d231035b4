function initializeAllVisuals_report() {
  createBarChart("weekly-change-chart",
    [{ label: "BTC", value: 1.8 }, { label: "ETH", value: 4.5 }, { label: "SOL", value: 7.2 }, { label: "XRP", value: -2.1 },
     { label: "ADA", value: -3.4 }, { label: "LINK", value: 2.9 }, { label: "BNB", value: 0.6 }],
    { horizontal: true, signColors: true, unit: "%", decimals: 1, locale: "vi", title: "Thay đổi 7 ngày (minh họa)" });
  createDoughnutChart("dominance-chart",
    [{ label: "Bitcoin", value: 54.1 }, { label: "Ethereum", value: 17.3 }, { label: "Khác", value: 28.6 }],
    { centerText: "BTC 54%", locale: "vi", title: "Cơ cấu vốn hóa (minh họa)" });
  createGauge("sentiment-gauge", 52, {
    label: "Trung tính", min: 0, max: 100,
    bands: [{ to: 25, color: "#c9353b" }, { to: 45, color: "#e8833a" }, { to: 55, color: "#e0a100" }, { to: 75, color: "#7cb342" }, { to: 100, color: "#0f8a4f" }]
  });
  createLineChart("volume-chart",
    { labels: ["T2", "T3", "T4", "T5", "T6", "T7", "CN"], datasets: [
      { label: "Tuần này", values: [92, 95, 88, 90, 84, 71, 66] },
      { label: "Tuần trước", values: [98, 101, 94, 97, 93, 80, 75] }] },
    { unit: " tỷ", locale: "vi", points: true, title: "Khối lượng giao dịch theo ngày, tỷ USD (minh họa)" });
}
