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
      // The banner keeps the visitor's choice in ps_consent; forget it so that no optional
      // cookie is used until the visitor chooses again.
      document.cookie = "ps_consent=; Max-Age=0; Path=/; SameSite=Lax";
      window.location.assign(form.getAttribute("action") + "?withdrawn=1");
    }).catch(function () {
      button.disabled = false;
      if (status) {
        status.textContent = form.getAttribute("data-ps-error");
      }
    });
  });
}());
