/* The small e-delivery goal charts (Chart.js): each canvas.goal-chart is followed by the JSON it draws.
   Used on the team dashboard and the e-delivery page, without any inline script. */
(function () {
  "use strict";
  function draw() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas.goal-chart").forEach(function (canvas) {
      var data = JSON.parse(canvas.nextElementSibling.textContent);
      var old = window.Chart.getChart(canvas); if (old) { old.destroy(); }
      new window.Chart(canvas, {type: "line", data: {labels: data.labels, datasets: [
        {label: "Straight path", data: data.path, borderDash: [6, 4], borderColor: "#9db4f0", pointRadius: 2},
        {label: "Actual", data: data.actual, borderColor: "#1f4fd1", pointRadius: 4}]},
        options: {responsive: true, spanGaps: false, scales: {y: {suggestedMin: 0, suggestedMax: 100,
          ticks: {callback: function (v) { return v + " %"; }}}}}});
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
