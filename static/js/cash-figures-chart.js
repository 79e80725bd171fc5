/* The cash application figures page: unapplied bank cash by age (Chart.js), drawn from #cash-age-chart. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("cash-age-chart");
    var canvas = document.getElementById("chart-unapplied-age");
    if (!source || !canvas || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {type: "bar", data: {labels: data.labels, datasets: [{
      label: "Unapplied cash (" + data.currency + ")", data: data.amounts.map(Number),
      backgroundColor: ["#3a8f5c", "#c9a227", "#e0862b", "#d4572a", "#a3231a"]}]},
      options: {responsive: true, maintainAspectRatio: false, plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true}}}});
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
