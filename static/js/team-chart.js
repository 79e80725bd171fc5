/* The team dashboard's charts (Chart.js), drawn from the JSON the page embeds in #team-chart.
   Redrawn when htmx swaps the dashboard in (the filters), so no inline script is needed. */
(function () {
  "use strict";
  var colours = {"current": "#3a8f5c", "1-30": "#c9a227", "31-60": "#e0862b", "61-90": "#d4572a", "91+": "#a3231a"};

  function draw() {
    var source = document.getElementById("team-chart");
    if (!source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    ["chart-buckets", "chart-target", "chart-touches"].forEach(function (id) {
      var old = window.Chart.getChart(id); if (old) { old.destroy(); }
    });
    new window.Chart(document.getElementById("chart-buckets"), {type: "bar", data: {labels: data.collectors,
      datasets: Object.keys(data.buckets).filter(function (b) { return b !== "current"; }).map(function (b) {
        return {label: b + " days", data: data.buckets[b], backgroundColor: colours[b]}; })},
      options: {responsive: true, scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}}}});
    new window.Chart(document.getElementById("chart-target"), {type: "bar", data: {labels: data.collectors, datasets: [
      {label: "Collected", data: data.collected, backgroundColor: "#1f4fd1", stack: "cash"},
      {label: "Forecast to month end", data: data.forecast, backgroundColor: "#9db4f0", stack: "cash"},
      {label: "Target", data: data.target, backgroundColor: "#14213d", stack: "target"}]},
      options: {responsive: true, scales: {x: {stacked: true}, y: {stacked: true}}}});
    new window.Chart(document.getElementById("chart-touches"), {type: "line", data: {labels: data.days,
      datasets: Object.keys(data.touches).map(function (name) { return {label: name, data: data.touches[name], tension: .2}; })},
      options: {responsive: true, scales: {y: {beginAtZero: true, suggestedMax: 5, ticks: {precision: 0}}}}});
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "dashboard") { draw(); }
  });
})();
