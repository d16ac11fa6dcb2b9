// chainwatch dashboard: every few seconds, fetch this same page again and swap in the parts
// marked data-live, so figures refresh without losing what is typed in a form. If the server
// stops answering, say so instead of leaving old figures looking current.
(function () {
  "use strict";
  var every = Number(document.body.getAttribute("data-refresh")) * 1000;
  if (!every) { return; }
  var banner = document.getElementById("connection");
  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) {
        if (answer.status === 404) { window.location.reload(); }  // the loan is gone: say so
        if (!answer.ok) { throw new Error("HTTP " + answer.status); }
        return answer.text();
      })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (part) {
          var replacement = fresh.getElementById(part.id);
          if (replacement) { part.replaceWith(document.importNode(replacement, true)); }
        });
        banner.hidden = true;
        document.body.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { banner.hidden = false; })
      .finally(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
