/* Cookie banner: see theme/README-banner.md. No dependency, no third-party request. */
(() => {
  const d = document;
  const config = d.getElementById("ps-consent-config");
  const box = d.getElementById("ps-consent");
  if (!config || !box) return;
  const C = JSON.parse(config.textContent);
  const first = d.getElementById("ps-consent-first");
  const form = d.getElementById("ps-consent-settings");
  const QUEUE = "ps_consent_queue";
  const optional = C.categories.filter((c) => !c.required).map((c) => c.id);
  let opener = null;
  let fromLink = false;

  // The choice: {c: accepted category ids, v: policy version, i: inventory hash, t: ms, s: source}.
  // It counts only for the inventory it was made for and for reprompt_days.
  const read = () => {
    try {
      const s = JSON.parse(decodeURIComponent(d.cookie.match(/(?:^|; )ps_consent=([^;]*)/)[1]));
      return s.i === C.inventory && Date.now() - s.t < C.reprompt_days * 864e5 ? s : null;
    } catch (e) {
      return null;
    }
  };
  let state = read();
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

  // Choices wait in localStorage until the service has stored them. One page sends at a time
  // (a Web Lock). An item carries s: when a page started sending it (others leave it alone for a
  // while), or -1 when an attempt failed without an answer and may still have been stored: the
  // visitor's own log is checked before it is sent again. ps_consent_last: the newest record id
  // known to be stored.
  const LAST = "ps_consent_last";
  const load = () => {
    try {
      return JSON.parse(localStorage.getItem(QUEUE)) || [];
    } catch (e) {
      return [];
    }
  };
  const save = (q) => {
    try {
      q.length ? localStorage.setItem(QUEUE, JSON.stringify(q)) : localStorage.removeItem(QUEUE);
      return true;
    } catch (e) {
      return false;
    }
  };
  const post = (body) =>
    fetch(C.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  const sig = (b) =>
    JSON.stringify([b.action, b.source, b.inventory, b.policy.version, b.policy.language, b.policy.sha256,
      C.categories.map((c) => b.categories[c.id])]);
  const flush = () => {
    const run = async () => {
      for (let q = load(), it; (it = q[0]); q = load()) {
        const mark = (s) => save(load().map((x) => (x.id === it.id ? { ...x, s } : x)));
        const drop = () => save(load().filter((x) => x.id !== it.id));
        try {
          if (it.s > Date.now() - 15e3) return;
          if (it.s) {
            const r = await fetch(C.log_endpoint, { credentials: "same-origin" });
            if (r.ok) {
              const recs = (await r.json()).records;
              const i = recs.findIndex((x) => x.id === localStorage.getItem(LAST));
              if (recs.slice(0, i < 0 ? recs.length : i).some((x) => sig(x) === sig(it.b))) {
                drop();
                continue;
              }
            } else if (r.status !== 401) return;
          }
          mark(Date.now());
          const r = await post(it.b);
          if (r.status >= 500 || r.status === 429 || r.status === 408) return mark(0);
          drop();
          if (r.ok) localStorage.setItem(LAST, (await r.json()).id);
        } catch (e) {
          return mark(-1);
        }
      }
    };
    return navigator.locks ? navigator.locks.request(QUEUE, run) : run();
  };

  const choose = (list, source) => {
    const cats = {};
    C.categories.forEach((c) => (cats[c.id] = c.required || list.includes(c.id)));
    if (state && optional.every((id) => cats[id] === accepted(id))) return hide();
    const on = optional.filter((id) => cats[id]).length;
    const action =
      on === optional.length ? "accept_all" : on ? "custom" : optional.some(accepted) ? "withdraw" : "reject_all";
    state = { c: Object.keys(cats).filter((k) => cats[k]), v: C.policy.version, i: C.inventory, t: Date.now(), s: source };
    d.cookie =
      "ps_consent=" + encodeURIComponent(JSON.stringify(state)) + "; max-age=" + C.reprompt_days * 86400 +
      "; path=/; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
    purge();
    activate();
    const body = {
      action,
      categories: cats,
      policy: { version: C.policy.version, language: C.policy.language, sha256: C.policy.sha256 },
      inventory: C.inventory,
      source,
    };
    save(load().concat({ id: Date.now() + "-" + Math.random(), b: body })) ? flush() : post(body).catch(() => {});
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
  if (load().length) flush();
  if (state) activate();
  // GPC counts as a choice: every optional category off, recorded with source gpc, and said so.
  const gpc = !state && navigator.globalPrivacyControl === true;
  if (gpc) {
    choose([], "gpc");
    d.getElementById("ps-consent-gpc").hidden = false;
  }
  // Pages without the banner (the consent log) link to /cookie-settings/#cookie-settings.
  if (location.hash === "#cookie-settings") show(true);
  else if (!state || gpc) show(false);
})();
