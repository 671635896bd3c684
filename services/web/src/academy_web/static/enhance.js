// Progressive enhancement only: every page works without this file.
// - Deadlines and session times: also shown in the visitor's own time zone.
// - A form's submit button is disabled once sent (a double click makes one request; the
//   Idempotency-Key makes a resent page one application anyway).
// - A receipt's type and size are checked before it is uploaded.
(function () {
  "use strict";
  document.querySelectorAll("time[data-local-time]").forEach(function (node) {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone || zone === "Europe/Paris") { return; }
    var when = new Date(node.getAttribute("datetime"));
    var text = new Intl.DateTimeFormat(node.dataset.lang || document.documentElement.lang, {
      year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
      timeZone: zone, timeZoneName: "short"
    }).format(when);
    var local = document.createElement("span");
    local.className = "local-time";
    local.textContent = node.dataset.localLabel + " " + text;
    node.insertAdjacentElement("afterend", local);
  });
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[data-once]").forEach(function (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      var message = "";
      if (file && file.size > Number(input.dataset.maxBytes)) { message = input.dataset.tooLarge; }
      else if (file && !/\.(pdf|jpe?g|png)$/i.test(file.name)) { message = input.dataset.wrongType; }
      input.setCustomValidity(message);
      input.reportValidity();
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
