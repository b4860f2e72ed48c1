/* Draw every server-built Plotly figure on the page.
 * A chart is <div class="js-chart" data-figure="ID">; its figure is the JSON inside
 * <script type="application/json" id="ID"> (no inline code: the CSP forbids it). */
(function () {
  "use strict";

  function draw() {
    if (typeof window.Plotly === "undefined") {
      return;
    }
    var charts = document.querySelectorAll(".js-chart[data-figure]");
    Array.prototype.forEach.call(charts, function (target) {
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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
