// Progressive enhancement of the staff console; every page works without this file.
// - The desk's search runs as the clerk types: the same GET the form sends, whose results
//   replace the list in place (the address follows, so a reload shows the same list).
// - A form's submit button is disabled once sent (a double click makes one request).
(function () {
  "use strict";
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[data-once]").forEach(function (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });
  var search = document.querySelector("form[data-live-search]");
  if (!search) { return; }
  var timer = null;
  var asked = 0;
  function refresh() {
    var params = new URLSearchParams(new FormData(search));
    var url = search.getAttribute("action") + "?" + params.toString();
    var mine = ++asked;
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.text();
    }).then(function (html) {
      if (mine !== asked) { return; }
      // The results are replaced by the fresh page's; the search form (and the clerk's
      // cursor in it) stays.
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("results");
      var results = document.getElementById("results");
      if (!fresh || !results) { return; }
      results.replaceWith(document.importNode(fresh, true));
      window.history.replaceState(null, "", url);
    });
  }
  search.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  });
})();
