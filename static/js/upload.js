/* The admin trade upload: once the form is submitted, its button is disabled and says
 * "Uploading…" (data-busy-label), so a large file is not sent twice by a second click.
 * No inline code: the CSP forbids it. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("js-upload-form")) {
      return;
    }
    Array.prototype.forEach.call(form.querySelectorAll("[data-busy-label]"), function (button) {
      button.setAttribute("data-default-label", button.value);
      button.disabled = true;
      button.value = button.getAttribute("data-busy-label");
    });
  });

  // Back from the result page, a browser may show the page as it was left: enable it again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    Array.prototype.forEach.call(
      document.querySelectorAll(".js-upload-form [data-default-label]"),
      function (button) {
        button.disabled = false;
        button.value = button.getAttribute("data-default-label");
      }
    );
  });
})();
