/* Draws the dashboard's charts with Chartkick.js (over Chart.js, both served by this site).
 *
 * Each chart is a <div class="chart" id="X"> followed by <script type="application/json" id="X-data">
 * holding its spec {type, data, options, keys} (data, not code: the page runs no inline script).
 * The table beside every chart holds the same numbers for anyone who cannot see the drawing.
 */
(function () {
  "use strict";

  function draw(element) {
    var source = document.getElementById(element.id + "-data");
    if (!source || !window.Chartkick) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    if (spec.height) {
      element.style.height = spec.height;
    }
    var chart = new window.Chartkick[spec.type](element, spec.data, spec.options);
    element.setAttribute("data-drawn", "true");
    var canvas = element.querySelector("canvas");
    if (canvas) {
      // The drawing is described by the container's label and the table beside it.
      canvas.setAttribute("aria-hidden", "true");
    }
    return chart;
  }

  function drawAll() {
    if (!window.Chartkick) {
      return;
    }
    // Figures appear at once: no animation (and nothing moves for people who prefer it still).
    window.Chartkick.setDefaultOptions({ library: { animation: false } });
    var charts = document.querySelectorAll("div.chart[id]");
    for (var i = 0; i < charts.length; i++) {
      draw(charts[i]);
    }
    document.documentElement.setAttribute("data-charts", "drawn");
  }

  // A preset window replaces custom dates: choosing one clears them, so the form says one thing.
  function wireFilters() {
    var form = document.querySelector("form.filters");
    if (!form) {
      return;
    }
    var windowSelect = form.querySelector("select[name=window]");
    var dates = form.querySelectorAll("input[type=date]");
    if (windowSelect) {
      windowSelect.addEventListener("change", function () {
        if (windowSelect.value !== "custom") {
          for (var i = 0; i < dates.length; i++) {
            dates[i].value = "";
          }
        }
      });
    }
    for (var j = 0; j < dates.length; j++) {
      dates[j].addEventListener("change", function () {
        if (windowSelect) {
          windowSelect.value = "custom";
        }
      });
    }
  }

  function start() {
    wireFilters();
    drawAll();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
