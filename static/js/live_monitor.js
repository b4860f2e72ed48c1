/* The staff live monitor and the risk monitor (reports/templates/reports/live_monitor.html,
 * risk_monitor.html) follow /staff/live/stream/:
 * - `nearest`: the accounts nearest their loss limits, redrawn whole;
 * - `breach`: a row on top of the breaches (newest first, at most MAX_ROWS kept);
 * - `command`: the command's row changes state in place (issued → delivered → done | failed),
 *   or a new row on top;
 * - on the risk monitor, a breach or command fetches its panel again (htmx, `live-change`), at
 *   most once every data-refresh-gap seconds. */
(function () {
  "use strict";

  var MAX_ROWS = 50;
  var live = window.PropDeskLive;
  var indicator = document.querySelector("[data-live-stream]");
  if (!live || !indicator) {
    return;
  }
  var namesSource = document.getElementById("live-names");
  var names = namesSource ? JSON.parse(namesSource.textContent) : { rules: {}, kinds: {}, statuses: {} };
  var nearestCard = document.getElementById("live-nearest");
  var accountUrl = nearestCard ? nearestCard.getAttribute("data-account-url") : "";

  function accountLink(id, login) {
    var link = live.cell("a", login || String(id));
    link.href = accountUrl.replace("/0/", "/" + encodeURIComponent(id) + "/");
    return link;
  }

  function bodyOf(id) {
    var table = document.getElementById(id);
    return table ? table.querySelector("tbody") : null;
  }

  function prepend(tbody, row) {
    var empty = tbody.querySelector("tr.empty");
    if (empty) {
      empty.remove();
    }
    tbody.insertBefore(row, tbody.firstChild);
    while (tbody.rows.length > MAX_ROWS) {
      tbody.deleteRow(tbody.rows.length - 1);
    }
  }

  function nearestRow(item) {
    var row = document.createElement("tr");
    row.setAttribute("data-account-id", item.account_id);
    var head = live.cell("th");
    head.scope = "row";
    head.appendChild(accountLink(item.account_id, item.login));
    row.appendChild(head);
    row.appendChild(live.cell("td", live.money(item.equity), "num"));
    row.appendChild(live.cell("td", item.daily_floor ? live.money(item.daily_floor) : "—", "num"));
    row.appendChild(live.cell("td", item.total_floor ? live.money(item.total_floor) : "—", "num"));
    var used = live.cell("td", null, "used-cell");
    var bar = document.createElement("meter");
    bar.className = "bar";
    bar.min = 0;
    bar.max = 100;
    bar.low = 50;
    bar.high = 80;
    bar.optimum = 0;
    bar.value = Math.min(live.percent(item.used_bp), 100);
    used.appendChild(bar);
    used.appendChild(live.cell("span", live.percent(item.used_bp) + " %", "used-pct"));
    row.appendChild(used);
    return row;
  }

  function showNearest(items) {
    var tbody = nearestCard ? nearestCard.querySelector("tbody") : null;
    if (!tbody) {
      return;
    }
    var rows = items.map(nearestRow);
    if (!rows.length) {
      var empty = live.cell("tr", null, "empty");
      var note = live.cell("td", "No live account reported yet.", "muted");
      note.colSpan = 5;
      empty.appendChild(note);
      rows = [empty];
    }
    tbody.replaceChildren.apply(tbody, rows);
  }

  function showBreach(event) {
    var tbody = bodyOf("live-breaches");
    if (!tbody) {
      return;
    }
    var row = document.createElement("tr");
    row.className = "fresh";
    row.appendChild(live.cell("td", live.utc(event.ts)));
    var account = live.cell("td");
    account.appendChild(accountLink(event.account_id, event.login));
    row.appendChild(account);
    row.appendChild(live.cell("td", names.rules[event.rule] || event.rule));
    row.appendChild(live.cell("td", live.money(event.threshold), "num"));
    row.appendChild(live.cell("td", live.money(event.observed), "num"));
    row.appendChild(live.cell("td", event.message, "message-cell"));
    prepend(tbody, row);
  }

  function showCommand(event) {
    var tbody = bodyOf("live-commands");
    if (!tbody) {
      return;
    }
    var row = tbody.querySelector('tr[data-command-id="' + Number(event.command_id) + '"]');
    if (!row) {
      row = document.createElement("tr");
      row.setAttribute("data-command-id", Number(event.command_id));
      row.appendChild(live.cell("td", live.utc(Date.now() / 1000)));
      var account = live.cell("td");
      account.appendChild(accountLink(event.account_id, event.login));
      row.appendChild(account);
      row.appendChild(live.cell("td", names.kinds[event.kind] || event.kind));
      var state = live.cell("td");
      var badge = live.cell("span");
      badge.setAttribute("data-testid", "command-state");
      state.appendChild(badge);
      row.appendChild(state);
      prepend(tbody, row);
    }
    var current = row.querySelector("[data-testid=command-state]");
    current.textContent = names.statuses[event.status] || event.status;
    current.className = "badge command-" + event.status;
  }

  var gap = Number(indicator.getAttribute("data-refresh-gap") || 0) * 1000;
  var panel = document.getElementById("risk-panel");
  var lastRefresh = 0;
  var pending = null;

  function refreshPanel() {
    if (!panel || pending) {
      return;
    }
    var wait = Math.max(0, lastRefresh + gap - Date.now());
    pending = window.setTimeout(function () {
      pending = null;
      lastRefresh = Date.now();
      document.body.dispatchEvent(new window.CustomEvent("live-change"));
    }, wait);
  }

  live.follow(
    indicator.getAttribute("data-live-stream"),
    {
      nearest: showNearest,
      breach: function (event) {
        showBreach(event);
        refreshPanel();
      },
      command: function (event) {
        showCommand(event);
        refreshPanel();
      }
    },
    indicator
  );
})();
