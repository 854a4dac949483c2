/* The light/dark colour scheme button (partials/ps-scheme.html). The choice is kept in the cookie
   the inventory declares for it (ps_theme) only while its category is accepted; otherwise it holds
   for this page view and nothing is stored or read. Runs after consent.js, which deletes the cookie
   whenever the category is not accepted. No dependency, no third-party request. */
(() => {
  const d = document;
  const button = d.getElementById("ps-scheme");
  const config = d.getElementById("ps-consent-config");
  if (!button || !config || !window.psConsent) return;
  const S = JSON.parse(config.textContent).scheme;
  const allowed = () => psConsent.allowed(S.category);
  const apply = (dark) => {
    d.body.setAttribute("data-md-color-scheme", dark ? "slate" : "default");
    button.setAttribute("aria-pressed", dark);
  };
  const kept = allowed() && d.cookie.match(new RegExp("(?:^|; )" + S.cookie + "=(dark|light)(?:;|$)"));
  if (kept) apply(kept[1] === "dark");
  button.hidden = false;
  button.addEventListener("click", () => {
    const dark = button.getAttribute("aria-pressed") !== "true";
    apply(dark);
    if (allowed())
      d.cookie =
        S.cookie + "=" + (dark ? "dark" : "light") + "; max-age=" + S.days * 86400 +
        "; path=/; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
  });
})();
