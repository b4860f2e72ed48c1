/* Following a server-sent events stream of live risk (live/streams.py), for the staff live
 * monitor and the trader's banner. window.PropDeskLive.follow(url, handlers, indicator) opens an
 * EventSource; the browser reconnects by itself after a dropped connection or the server's
 * max lifetime, but gives up on a refusal (503 while Redis is down, 401 once signed out): then we
 * try again, 2 s later, then 4, 8, … up to a minute apart. The indicator (optional) says which.
 * Money arrives as decimal strings and is formatted as text, never through a float. */
(function () {
  "use strict";

  var STATES = {
    connecting: "● connecting…",
    connected: "● live",
    reconnecting: "● reconnecting…",
    unavailable: "● live updates unavailable"
  };

  function follow(url, handlers, indicator) {
    var source = null;
    var timer = null;
    var delay = 2000;

    function show(state) {
      if (indicator) {
        indicator.setAttribute("data-state", state);
        indicator.textContent = STATES[state];
      }
    }

    function listen(name) {
      source.addEventListener(name, function (message) {
        var data;
        try {
          data = JSON.parse(message.data);
        } catch (error) {
          return;
        }
        handlers[name](data);
      });
    }

    function open() {
      timer = null;
      show("connecting");
      source = new window.EventSource(url);
      source.onopen = function () {
        delay = 2000;
        show("connected");
      };
      source.onerror = function () {
        if (source.readyState === window.EventSource.CLOSED) {
          source.close();
          show("unavailable");
          timer = window.setTimeout(open, delay);
          delay = Math.min(delay * 2, 60000);
        } else {
          show("reconnecting");
        }
      };
      Object.keys(handlers).forEach(listen);
    }

    window.addEventListener("pagehide", function () {
      if (source) {
        source.close();
      }
      if (timer) {
        window.clearTimeout(timer);
      }
    });
    open();
  }

  /* "95812.4" → "95,812.40"; null → "—". */
  function money(value) {
    if (value === null || value === undefined || value === "") {
      return "—";
    }
    var text = String(value);
    var sign = text.charAt(0) === "-" ? "-" : "";
    var parts = text.replace(/^[-+]/, "").split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var cents = ((parts[1] || "") + "00").slice(0, 2);
    return sign + whole + "." + cents;
  }

  /* Basis points → whole percent, as the server's {% widthratio bp 100 1 %}. */
  function percent(bp) {
    return Math.round((Number(bp) || 0) / 100);
  }

  /* Epoch seconds → "2026-03-02 08:00:00" (UTC). */
  function utc(ts) {
    return new Date(Number(ts) * 1000).toISOString().slice(0, 19).replace("T", " ");
  }

  function cell(tag, text, className) {
    var element = document.createElement(tag);
    if (text !== undefined && text !== null) {
      element.textContent = text;
    }
    if (className) {
      element.className = className;
    }
    return element;
  }

  window.PropDeskLive = { follow: follow, money: money, percent: percent, utc: utc, cell: cell };
})();
