// The dashboard's charts: Chart.js (served from /static/vendor/chart.js/) draws each
// <canvas data-chart="key"> from the page's JSON block #dashboard-charts; no inline script.
(function () {
  "use strict";
  var COLORS = ["#337ab7", "#f0ad4e", "#5cb85c", "#d9534f", "#5bc0de"];

  function datasets(series, kind) {
    return series.map(function (one, i) {
      var color = COLORS[i % COLORS.length];
      return {
        label: one.label,
        data: one.data,
        backgroundColor: kind === "line" ? color + "33" : color,
        borderColor: color,
        fill: kind === "line",
        tension: 0.2
      };
    });
  }

  function draw(canvas, chart) {
    var kind = canvas.dataset.kind || "bar";
    var links = chart.links || [];
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: chart.series.length > 1 } },
      scales: {
        y: {
          beginAtZero: true,
          ticks: { precision: 0 },
          title: { display: Boolean(chart.axis), text: chart.axis || "" }
        }
      }
    };
    if (links.length) {
      // A bar leads to the invoice list it counts.
      options.onClick = function (event, elements) {
        if (elements.length && links[elements[0].index]) {
          window.location.href = links[elements[0].index];
        }
      };
      options.onHover = function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      };
    }
    new Chart(canvas, {
      type: kind,
      data: { labels: chart.labels, datasets: datasets(chart.series, kind) },
      options: options
    });
    canvas.dataset.drawn = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof Chart === "undefined") { return; }
    var charts = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = charts[canvas.dataset.chart];
      if (chart) { draw(canvas, chart); }
    });
  });
})();
