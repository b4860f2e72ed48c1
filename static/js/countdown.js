/* Tick the "time to the next daily reset" countdowns.
 * <time class="js-countdown" data-seconds="N"> counts down from N seconds after page load,
 * so a wrong clock on the trader's computer does not matter. */
(function () {
  "use strict";

  function format(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h + " h " + pad(m) + " min " + pad(s) + " s";
  }

  function start() {
    var loadedAt = Date.now();
    var items = Array.prototype.map.call(
      document.querySelectorAll(".js-countdown[data-seconds]"),
      function (el) { return { el: el, seconds: parseInt(el.getAttribute("data-seconds"), 10) }; }
    );
    if (!items.length) {
      return;
    }
    function tick() {
      var elapsed = Math.floor((Date.now() - loadedAt) / 1000);
      items.forEach(function (item) {
        var left = Math.max(0, item.seconds - elapsed);
        item.el.textContent = left > 0 ? format(left) : "now (reload for the new day)";
      });
    }
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
