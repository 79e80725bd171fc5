/* Draws the report charts from the JSON the page embeds (json_script); re-runs after HTMX swaps. */
(function () {
  "use strict";
  var COLORS = ["#3a8f5c", "#c9a227", "#e0862b", "#d4572a", "#a3231a", "#1f4fd1", "#6b4fd1"];
  var drawn = new WeakMap();

  function data(canvas) {
    var source = document.getElementById(canvas.dataset.source);
    return source ? JSON.parse(source.textContent) : null;
  }

  function config(kind, d) {
    if (kind === "buckets") {
      return { type: "bar", data: { labels: d.buckets.labels, datasets: [{ label: "AR", data: d.buckets.values, backgroundColor: COLORS.slice(0, 5) }] },
               options: { plugins: { legend: { display: false } } } };
    }
    if (kind === "stacked") {
      return { type: "bar", data: { labels: d.trend.labels, datasets: d.trend.series.map(function (s, i) {
                 return { label: s.label, data: s.values, backgroundColor: COLORS[i] }; }) },
               options: { scales: { x: { stacked: true }, y: { stacked: true } } } };
    }
    if (kind === "bars") {
      return { type: "bar", data: { labels: d.labels, datasets: d.series.map(function (s, i) {
                 return { label: s.label, data: s.values, backgroundColor: COLORS[5 + i] }; }) } };
    }
    if (kind === "mixed") {
      return { type: "bar", data: { labels: d.labels, datasets: d.series.map(function (s, i) {
                 return { type: s.type, label: s.label, data: s.values, backgroundColor: COLORS[5 + i], borderColor: COLORS[5 + i] }; }) } };
    }
    return { type: "line", data: { labels: d.labels, datasets: d.series.map(function (s, i) {
               return { label: s.label, data: s.values, borderColor: COLORS[i + 1], backgroundColor: COLORS[i + 1], yAxisID: s.axis || "y", spanGaps: true }; }) },
             options: { scales: { y: { title: { display: true, text: "days" } }, y1: { position: "right", title: { display: true, text: "CEI %" }, grid: { drawOnChartArea: false } } } } };
  }

  function drawAll() {
    if (typeof Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (drawn.has(canvas)) { return; }
      var d = data(canvas);
      if (!d) { return; }
      drawn.set(canvas, new Chart(canvas, config(canvas.dataset.chart, d)));
    });
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
