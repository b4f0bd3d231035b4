var CYCLE_DAYS = ["0", "60", "120", "180", "240", "300", "360", "420", "480", "540"];
function initializeAllVisuals_report() {
  createLineChart("cycle-chart", { labels: CYCLE_DAYS, datasets: [
    { label: "2016 cycle", values: [100, 104, 112, 98, 121, 150, 210, 290, 460, 700] },
    { label: "2020 cycle", values: [100, 95, 118, 140, 190, 310, 400, 360, null, 520] },
    { label: "2024 cycle", values: [100, 92, 97, 105, 118, null, null, null, null, null] }] },
    { locale: "en", title: "Price index by days after the halving (illustrative)" });
  createBarChart("inflation-chart", { labels: ["2012", "2016", "2020", "2024"], values: [8.1, 4.1, 1.8, 0.85] },
    { unit: "%", decimals: 1, locale: "en", title: "Yearly supply inflation after each halving (illustrative)" });
}
