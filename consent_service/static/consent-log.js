// Withdraw consent from the consent-log page through the API, then show the updated log.
// Without JavaScript the same form posts to the page itself, which records the same choice.
(function () {
  "use strict";
  var form = document.querySelector("form[data-ps-withdraw]");
  var status = document.querySelector("[data-ps-status]");
  if (!form) {
    return;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button");
    // The page made one key for this withdrawal: sending it again records it once.
    var key = form.querySelector("input[name=idempotency_key]").value;
    button.disabled = true;
    fetch("/api/v1/consents", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Idempotency-Key": "\"" + key + "\""},
      body: form.getAttribute("data-ps-withdraw")
    }).then(function (response) {
      if (response.status !== 201) {
        throw new Error(String(response.status));
      }
      // The banner keeps the visitor's choice in ps_consent, for this host or, when a site
      // embeds it with data-cookie-domain or the policy site is built with cookie_domain, for a
      // parent domain; forget it wherever it is, so that no optional cookie is used on any of
      // the sites until the visitor chooses again.
      var labels = window.location.hostname.split(".");
      for (var i = 0; i < Math.max(labels.length - 1, 1); i++) {
        document.cookie = "ps_consent=; Max-Age=0; Path=/; SameSite=Lax" +
          (i ? "; Domain=" + labels.slice(i).join(".") : "");
      }
      window.location.assign(form.getAttribute("action") + "?withdrawn=1");
    }).catch(function () {
      button.disabled = false;
      if (status) {
        status.textContent = form.getAttribute("data-ps-error");
      }
    });
  });
}());
