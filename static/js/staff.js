/* Staff dashboards: redraw the Plotly figures that an htmx swap brings in.
 * The first drawing is static/js/charts.js's (same markup: <div class="js-chart" data-figure="ID">
 * with the figure JSON in <script type="application/json" id="ID">). Before a swap the old plots
 * are purged so a page that polls for hours does not keep dead plots alive. No inline code: the
 * CSP forbids it. */
(function () {
  "use strict";

  function chartsIn(root) {
    return root.querySelectorAll ? root.querySelectorAll(".js-chart[data-figure]") : [];
  }

  function drawIn(root) {
    if (typeof window.Plotly === "undefined") {
      return;
    }
    Array.prototype.forEach.call(chartsIn(root), function (target) {
      var source = document.getElementById(target.getAttribute("data-figure"));
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(target, figure.data, figure.layout, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["select2d", "lasso2d"]
      });
    });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (typeof window.Plotly === "undefined") {
      return;
    }
    Array.prototype.forEach.call(chartsIn(event.detail.target), function (target) {
      window.Plotly.purge(target);
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    drawIn(event.detail.target || event.target);
  });
})();
