/* Material's scope and storage helpers, which its bundle reads as globals, written out of
   partials/javascripts/base.html into this file so that no page needs an inline script (the
   site's Content-Security-Policy allows none). The same code as Material 9's inline script; the
   scope it writes into the script (config.extra.scope, else the base URL) arrives as the
   data-md-scope attribute of the script element instead. */
__md_scope = new URL(document.currentScript.dataset.mdScope, location);
__md_hash = (e) => [...e].reduce((e, _) => (e << 5) - e + _.charCodeAt(0), 0);
__md_get = (e, _ = localStorage, t = __md_scope) => JSON.parse(_.getItem(t.pathname + "." + e));
__md_set = (e, _, t = localStorage, a = __md_scope) => {
  try {
    t.setItem(a.pathname + "." + e, JSON.stringify(_));
  } catch (e) {}
};
