/* Cookie banner, on the policy site and on any page of the company's sites that embeds it
   (README: "The banner on the company's other sites"). No dependency; the only requests go to
   the policy origin this file is served from. */
(() => {
  const d = document;
  const me = d.currentScript;
  // The configuration, the stylesheet, the links and the API are on the policy origin.
  const at = (path) => new URL(path, me.src).href;
  const own = d.getElementById("ps-consent");

  const start = (C, box) => {
    const first = d.getElementById("ps-consent-first");
    const form = d.getElementById("ps-consent-settings");
    const optional = C.categories.filter((c) => !c.required).map((c) => c.id);
    const origin = location.origin;
    let opener = null;
    let fromLink = false;

    // Nothing is kept in localStorage or sessionStorage; earlier versions left these there.
    try {
      localStorage.removeItem("ps_consent_queue");
      localStorage.removeItem("ps_consent_last");
    } catch (e) {}

    // ps_consent: {c: accepted category ids, v: policy version, i: inventory hash, t: ms, s: source,
    // d: the domain it is kept for (data-cookie-domain, or the policy site's cookie_domain),
    // q: [[idempotency key, request body, origin of the page], ...] the choices the service has not
    // confirmed yet, oldest first}. The choice counts only for the inventory it was made for and
    // for reprompt_days; what waits in q is sent whatever it was made for. Where a choice for the
    // domain and one for this host are both there, the newer counts.
    const cookie = () => {
      let found = null;
      for (const c of d.cookie.split("; "))
        try {
          const s = c.startsWith("ps_consent=") && JSON.parse(decodeURIComponent(c.slice(11)));
          if (s && !(found && found.t >= s.t)) found = s;
        } catch (e) {}
      return found;
    };
    // Kept for the domain once any page under it asked for that, by every page under it; the
    // copy for this host alone then goes.
    const store = (s) => {
      let v;
      // A cookie holds 4 KB: if the service stays unreachable for many choices, the oldest go.
      while ((v = encodeURIComponent(JSON.stringify(s))).length > 3500 && s.q.length) s.q.shift();
      const a = "; path=/; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
      if (s.d) d.cookie = "ps_consent=; max-age=0" + a;
      d.cookie = "ps_consent=" + v + "; max-age=" + Math.round((s.t - Date.now()) / 1e3 + C.reprompt_days * 86400) +
        a + (s.d ? "; domain=" + s.d : "");
    };
    // The domain a choice made here is kept for: the embedding page's data-cookie-domain, else the
    // policy site's own (its build's cookie_domain) on a host under it, not on a preview of the
    // same build elsewhere (127.0.0.1), else the one a choice already kept names.
    const domain = me.dataset.cookieDomain ||
      (C.cookie_domain && ("." + location.hostname).endsWith(C.cookie_domain) && C.cookie_domain);
    let state = cookie();
    if (state && (state.i !== C.inventory || Date.now() - state.t >= C.reprompt_days * 864e5)) state = null;
    const accepted = (id) => !!state && state.c.includes(id);

    const api = {
      get: () =>
        state && {
          categories: Object.fromEntries(C.categories.map((c) => [c.id, c.required || accepted(c.id)])),
          policy: state.v,
          inventory: state.i,
          time: new Date(state.t).toISOString(),
          source: state.s,
        },
      allowed: (id) => C.categories.some((c) => c.id === id && (c.required || accepted(id))),
      open: () => show(true),
    };
    window.psConsent = api;

    const activate = () => {
      d.querySelectorAll('script[type="text/plain"][data-category]').forEach((s) => {
        if (!accepted(s.dataset.category)) return;
        const n = d.createElement("script");
        for (const a of s.attributes) if (a.name !== "type") n.setAttribute(a.name, a.value);
        if (s.dataset.src) n.src = s.dataset.src;
        n.async = false;
        n.text = s.text;
        s.replaceWith(n);
      });
      d.querySelectorAll("iframe[data-src][data-category]").forEach((f) => {
        if (accepted(f.dataset.category) && !f.src) f.src = f.dataset.src;
      });
    };

    // Delete what the categories not accepted store, as each category's `stored` lists it (from the
    // inventory: a name exactly, or every name with that prefix): cookies on path / for the host and
    // each parent domain, localStorage and sessionStorage keys. A storage area is touched only when
    // the inventory declares something there; where the browser blocks it, reading it throws and
    // there is nothing to delete.
    const purge = () => {
      const h = location.hostname.split(".");
      const domains = [""].concat(h.slice(0, -1).map((_, i) => "; domain=" + h.slice(i).join(".")));
      const cookies = d.cookie.split("; ").map((c) => c.split("=")[0]);
      C.categories.forEach((c) => {
        if (c.required || accepted(c.id)) return;
        c.stored.forEach((k) => {
          try {
            const area = k.storage === "cookie" ? null : window[k.storage];
            (area ? Object.keys(area) : cookies).forEach((n) => {
              if (k.prefix ? n.startsWith(k.name) : n === k.name)
                area ? area.removeItem(n) : domains.forEach((dom) => (d.cookie = n + "=; max-age=0; path=/" + dom));
            });
          } catch (e) {}
        });
      });
    };

    // The unconfirmed choices are sent in order, each with its own key every time, so one sent
    // twice (its answer lost, two pages at once) is recorded once. A 201 confirms a choice and a
    // 4xx other than 408/429 refuses it for good: either way its key leaves the cookie. No answer,
    // 408, 429 or 5xx: it waits for the next page load. Each is sent from the origin it was made
    // on, which the service records as its site; the others wait for a page there.
    const send = (e) =>
      fetch(at(C.endpoint), {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": '"' + e[0] + '"' },
        body: JSON.stringify(e[1]),
        credentials: "include",
      });
    const mine = (e) => (e[2] || origin) === origin;
    let sending = false;
    const flush = async () => {
      if (sending) return;
      sending = true;
      try {
        // Stops too if the cookie cannot be changed, rather than send the same choice forever.
        for (let e, last; (e = ((cookie() || {}).q || []).find(mine)) && e[0] !== last; last = e[0]) {
          const r = await send(e);
          await r.text(); // read to the end: an unread answer keeps its request open
          if (r.status >= 500 || r.status === 429 || r.status === 408) return;
          const s = cookie();
          if (s) store({ ...s, q: s.q.filter((x) => x[0] !== e[0]) });
        }
      } catch (e) {
      } finally {
        sending = false;
      }
    };

    const choose = (list, source) => {
      const cats = {};
      C.categories.forEach((c) => (cats[c.id] = c.required || list.includes(c.id)));
      if (state && optional.every((id) => cats[id] === accepted(id))) return hide();
      const on = optional.filter((id) => cats[id]).length;
      const action =
        on === optional.length ? "accept_all" : on ? "custom" : optional.some(accepted) ? "withdraw" : "reject_all";
      const body = {
        action,
        categories: cats,
        policy: { version: C.policy.version, language: C.policy.language, sha256: C.policy.sha256,
          text_sha256: C.policy.text_sha256 },
        inventory: C.inventory,
        source,
      };
      // This choice's idempotency key: 128 random bits, hex.
      const bits = crypto.getRandomValues(new Uint8Array(16));
      const key = Array.from(bits, (b) => (b + 256).toString(16).slice(1)).join("");
      const kept = cookie() || {};
      state = {
        c: Object.keys(cats).filter((k) => cats[k]),
        v: C.policy.version,
        i: C.inventory,
        t: Date.now(),
        s: source,
        d: domain || kept.d,
        q: (kept.q || []).concat([[key, body, origin]]),
      };
      store(state);
      purge();
      activate();
      // Without cookies nothing can wait for a later page: it is sent once, now; not a GPC
      // signal, which would be sent again on every page.
      cookie() ? flush() : source === "gpc" || send([key, body]).catch(() => {});
      hide();
      d.dispatchEvent(new CustomEvent("ps-consent-change", { detail: api.get() }));
    };

    const view = (settings) => {
      first.hidden = settings;
      form.hidden = !settings;
      if (settings) {
        for (const id of optional) form.elements[id].checked = accepted(id);
        d.getElementById("ps-consent-settings-title").focus();
      }
    };
    const show = (settings) => {
      opener = d.activeElement;
      fromLink = settings;
      box.hidden = false;
      box.focus({ preventScroll: true });
      view(settings);
    };
    const hide = () => {
      box.hidden = true;
      if (opener && opener.focus && opener !== d.body) opener.focus();
    };
    // Escape and Close leave without choosing: from the settings back to the first layer while
    // no choice has been made, otherwise out of the dialog.
    const back = () => {
      if (!form.hidden && !fromLink && !state) {
        view(false);
        first.querySelector('[data-ps="settings"]').focus();
      } else hide();
    };

    box.addEventListener("click", (e) => {
      const a = e.target.closest("[data-ps]");
      const source = form.hidden ? "banner" : "settings";
      if (!a || a.type === "submit") return;
      a.dataset.ps === "accept" ? choose(optional, source)
        : a.dataset.ps === "reject" ? choose([], source)
        : a.dataset.ps === "settings" ? view(true)
        : back();
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      choose(optional.filter((id) => form.elements[id].checked), "settings");
    });
    box.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        back();
      }
    });
    d.addEventListener("click", (e) => {
      if (e.target.closest("[data-ps-open]")) {
        e.preventDefault();
        show(true);
      }
    });
    // While open, the page gets room below so none of it stays hidden behind the banner.
    new ResizeObserver(() => (d.body.style.paddingBottom = box.hidden ? "" : box.offsetHeight + "px")).observe(box);

    purge();
    flush();
    if (state) activate();
    // GPC counts as a choice: every optional category off, recorded once with source gpc (ps_consent
    // remembers it), and said so.
    const gpc = !state && navigator.globalPrivacyControl === true;
    if (gpc) {
      choose([], "gpc");
      d.getElementById("ps-consent-gpc").hidden = false;
    }
    // Pages without the banner (the consent log) link to /cookie-settings/#cookie-settings.
    if (location.hash === "#cookie-settings") show(true);
    else if (!state || gpc) show(false);
    // On another site this script arrives when it arrives: from now on psConsent answers.
    d.dispatchEvent(new CustomEvent("ps-consent-ready", { detail: api.get() }));
  };

  // The policy site's pages carry the dialog and its configuration. Any other page gets both
  // from the policy origin in one request, in the language the snippet or the page names, and
  // the stylesheet beside this file; the dialog comes once all three are there and the page
  // has been read to its end (its gated scripts and iframes with it).
  if (own) return start(JSON.parse(d.getElementById("ps-consent-config").textContent), own);
  let lang = (me.dataset.lang || d.documentElement.lang).slice(0, 2).toLowerCase();
  if (!/^(sv|en)$/.test(lang)) lang = "sv";
  const css = d.createElement("link");
  css.rel = "stylesheet";
  css.href = at("consent.css");
  d.head.append(css);
  Promise.all([
    fetch(at("config." + lang + ".json")).then((r) => r.json()),
    new Promise((r) => (css.onload = css.onerror = r)),
    new Promise((r) => (d.readyState === "loading" ? d.addEventListener("DOMContentLoaded", r) : r())),
  ]).then(([C]) => {
    d.body.insertAdjacentHTML("afterbegin", C.html);
    const box = d.getElementById("ps-consent");
    box.querySelectorAll("a").forEach((a) => (a.href = at(a.getAttribute("href"))));
    start(C, box);
  });
})();
