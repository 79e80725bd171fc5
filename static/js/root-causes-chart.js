/* The root-causes page's two stacked bar charts (Chart.js), drawn from the JSON in #rc-chart. */
(function () {
  "use strict";
  var palette = ["#1f4fd1", "#e0862b", "#3a8f5c", "#a3231a", "#c9a227", "#6b4fbb", "#2a9db5", "#d4572a", "#5d6678", "#9aa3b5"];
  function draw() {
    var source = document.getElementById("rc-chart");
    if (!source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    function stacked(id, series) {
      new window.Chart(document.getElementById(id), {type: "bar", data: {labels: data.months,
        datasets: Object.keys(series).map(function (name, i) { return {label: name, data: series[name], backgroundColor: palette[i % palette.length]}; })},
        options: {responsive: true, scales: {x: {stacked: true}, y: {stacked: true, ticks: {precision: 0}}}}});
    }
    stacked("chart-disputes", data.disputes);
    stacked("chart-late", data.late);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
