/* The trader's near-limit banner (portal/templates/portal/_live_banner.html) follows
 * /live/stream/ (the trader's own accounts only, filtered by the server): an `alert` adds the
 * account's line for that limit or raises its level; a `breach` shows the notice. Events of
 * accounts this page does not show are ignored. */
(function () {
  "use strict";

  var live = window.PropDeskLive;
  var banner = document.getElementById("live-banner");
  var accountsSource = document.getElementById("live-accounts");
  if (!live || !banner || !accountsSource) {
    return;
  }
  var accounts = JSON.parse(accountsSource.textContent);
  var list = banner.querySelector("[data-testid=live-alerts]");
  var notice = banner.querySelector("[data-testid=live-breach]");

  function loginOf(event) {
    return accounts[String(event.account_id)];
  }

  function showAlert(event) {
    var login = loginOf(event);
    if (!login) {
      return;
    }
    var key = event.account_id + ":" + event.limit;
    var line = list.querySelector('li[data-alert-key="' + key + '"]');
    if (line && Number(line.getAttribute("data-level")) > Number(event.level)) {
      return;
    }
    if (!line) {
      line = document.createElement("li");
      line.setAttribute("data-alert-key", key);
      list.insertBefore(line, list.firstChild);
    }
    line.setAttribute("data-level", event.level);
    var daily = event.limit === "daily";
    line.replaceChildren(
      live.cell("strong", "Account " + login),
      document.createTextNode(
        ": You have used " + Number(event.level) + " % of " +
        (daily ? "today's" : "your total") + " loss room: equity " + live.money(event.equity) +
        ", " + (daily ? "daily" : "total") + " limit " + live.money(event.floor)
      )
    );
    banner.hidden = false;
  }

  function showBreach(event) {
    var login = loginOf(event);
    if (!login) {
      return;
    }
    notice.textContent = event.severity === "soft"
      ? "A rule was broken on account " + login + ": " + event.message
      : "Your account " + login + " failed: " + event.message;
    notice.hidden = false;
    banner.hidden = false;
  }

  live.follow(
    banner.getAttribute("data-live-stream"),
    { alert: showAlert, breach: showBreach },
    banner.querySelector("[data-testid=live-indicator]")
  );
})();
