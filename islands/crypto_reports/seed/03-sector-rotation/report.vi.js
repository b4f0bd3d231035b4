function initializeAllVisuals_report() {
  createBarChart("sector-chart",
    [{ label: "Layer 1", value: 6.4 }, { label: "DeFi", value: 3.1 }, { label: "Oracle", value: 8.7 },
     { label: "Gaming", value: -5.2 }, { label: "Meme", value: -11.8 }, { label: "Exchange", value: 1.2 }],
    { signColors: true, unit: "%", decimals: 1, locale: "vi", title: "Hiệu suất 30 ngày theo nhóm ngành (minh họa)" });
  createDoughnutChart("allocation-chart",
    [{ label: "Bitcoin", value: 50 }, { label: "Ethereum", value: 25 }, { label: "Layer 1 khác", value: 15 }, { label: "Stablecoin", value: 10 }],
    { centerText: "Mẫu", locale: "vi", title: "Phân bổ danh mục mẫu (minh họa)" });
}
