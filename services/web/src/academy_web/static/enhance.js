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
    // The same shape as the server's text: "long date, short time (city)".
    var lang = node.dataset.lang || document.documentElement.lang;
    var day = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: zone });
    var time = new Intl.DateTimeFormat(lang, { timeStyle: "short", timeZone: zone });
    var start = new Date(node.getAttribute("datetime"));
    var text = day.format(start) + ", " + time.format(start);
    if (node.dataset.until) {
      var end = new Date(node.dataset.until);
      text += " – " + (day.format(end) === day.format(start) ? "" : day.format(end) + ", ") +
        time.format(end);
    }
    var city = zone.split("/").pop().replace(/_/g, " ");
    var local = document.createElement("span");
    local.className = "local-time";
    local.textContent = node.dataset.localLabel + " " + text + " (" + city + ")";
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
