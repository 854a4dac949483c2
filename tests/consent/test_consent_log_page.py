"""The /consent-log page (Swedish) and /en/consent-log (English)."""

from __future__ import annotations

import html
import json
import re
import shutil

import jinja2
import pytest

from consent_service.security import PAGE_CSP
from testbed.consent import CURRENT, fixture_policy
from testbed.htmltext import Document
from testbed.site import html_problems


@pytest.fixture
def browser_with_choices(client, make_body):
    client.post("/api/v1/consents", json=make_body("accept_all"))
    english = fixture_policy(CURRENT, "en")
    client.post("/api/v1/consents", json=make_body("custom", policy=english))
    return client


def test_the_swedish_page_lists_each_choice_with_date_categories_and_policy_link(browser_with_choices):
    response = browser_with_choices.get("/consent-log")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = Document(response.get_data(as_text=True))
    assert page.find("html")[0]["lang"] == "sv"
    assert "Din samtyckeslogg" in page.text
    assert "2 registrerade val" in page.text
    assert "Godkände alla kakor" in page.text
    assert "Valde kakor en och en" in page.text
    assert "Nödvändiga: tillåtna" in page.text
    assert "Media: inte tillåtna" in page.text
    assert page.find("a", href=f"/versions/{CURRENT}/")
    assert page.find("a", href=f"/en/versions/{CURRENT}/")


def test_dates_are_formatted_by_babel_for_the_reader(browser_with_choices):
    swedish = Document(browser_with_choices.get("/consent-log").get_data(as_text=True))
    english = Document(browser_with_choices.get("/en/consent-log").get_data(as_text=True))
    months_sv = "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
    assert re.search(rf"\d{{1,2}} ({months_sv}) \d{{4}} \d\d:\d\d:\d\d", swedish.text)
    # British English, as the site writes its dates: "1 December 2026".
    assert re.search(
        r"\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) "
        r"\d{4}",
        english.text,
    )
    times = swedish.find("time")
    assert len(times) == 2
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t["datetime"]) for t in times)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_served_page_is_valid_html_with_and_without_records(app, browser_with_choices, tmp_path):
    """As the Nu Html Checker reads it: one browser with choices, in both languages and with
    the withdrawal notice, and a browser without any."""
    served = {
        "sv.html": browser_with_choices.get("/consent-log"),
        "en.html": browser_with_choices.get("/en/consent-log"),
        "withdrawn.html": browser_with_choices.get("/consent-log?withdrawn=1"),
        "empty.html": app.test_client().get("/en/consent-log"),
    }
    for name, response in served.items():
        assert response.status_code == 200
        (tmp_path / name).write_bytes(response.get_data())
    assert "<time datetime=" in served["sv.html"].get_data(as_text=True)
    assert html_problems([tmp_path / name for name in served]) == ""


def test_the_english_page_uses_the_english_catalog(browser_with_choices):
    page = Document(browser_with_choices.get("/en/consent-log").get_data(as_text=True))
    assert page.find("html")[0]["lang"] == "en"
    assert "Your consent log" in page.text
    assert "2 recorded choices" in page.text
    assert "Accepted all cookies" in page.text
    assert "Statistics: allowed" in page.text


def test_the_page_looks_like_the_site(browser_with_choices):
    page = Document(browser_with_choices.get("/consent-log").get_data(as_text=True))
    stylesheets = [link["href"] for link in page.find("link", rel="stylesheet")]
    assert "/assets/stylesheets/main.0123abcd.min.css" in stylesheets
    assert "/assets/stylesheets/palette.4567ef01.min.css" in stylesheets
    classes = " ".join(a.get("class") or "" for _, a in page.elements)
    for name in ("md-header", "md-main", "md-content", "md-typeset"):
        assert name in classes


def test_without_a_built_stylesheet_the_page_still_renders(make_app, tmp_path, site_dir):
    bare = tmp_path / "bare-site"
    bare.mkdir()
    (bare / "versions.json").write_text((site_dir / "versions.json").read_text())
    app = make_app(CONSENT_SITE_DIR=str(bare))
    response = app.test_client().get("/consent-log")
    assert response.status_code == 200
    stylesheets = [
        link["href"] for link in Document(response.get_data(as_text=True)).find("link", rel="stylesheet")
    ]
    assert stylesheets == ["/_consent/consent-log.css"]


def test_the_page_links_back_to_the_policy_and_the_other_language(browser_with_choices):
    page = Document(browser_with_choices.get("/en/consent-log").get_data(as_text=True))
    assert page.find("a", href="/en/")
    assert page.find("a", href=f"/en/versions/{CURRENT}/")
    assert page.find("a", href="/consent-log", hreflang="sv")


def test_the_personal_page_is_kept_out_of_search_engines_and_announces_no_alternates(browser_with_choices):
    """A visitor's own log is noindex; hreflang alternates belong to indexed pages only."""
    page = Document(browser_with_choices.get("/consent-log").get_data(as_text=True))
    assert page.find("meta", name="robots", content="noindex")
    assert not page.find("link", rel="alternate")


def test_the_change_button_leads_to_the_cookie_settings_open_or_explained_without_javascript(
    browser_with_choices,
):
    for path, settings in (("/consent-log", "/cookie-settings/"),
                           ("/en/consent-log", "/en/cookie-settings/")):
        page = Document(browser_with_choices.get(path).get_data(as_text=True))
        [button] = [a for t, a in page.elements if t == "a" and "data-ps-open-settings" in a]
        assert button["href"] == settings + "#cookie-settings"


def test_the_withdraw_form_carries_a_valid_withdraw_choice_for_the_current_version(
    browser_with_choices, client
):
    page = Document(browser_with_choices.get("/consent-log").get_data(as_text=True))
    [form] = [a for t, a in page.elements if t == "form" and "data-ps-withdraw" in a]
    assert (form["method"], form["action"]) == ("post", "/consent-log")
    body = json.loads(html.unescape(form["data-ps-withdraw"]))
    assert body["action"] == "withdraw"
    assert body["policy"] == fixture_policy(CURRENT, "sv")
    assert client.post("/api/v1/consents", json=body).status_code == 201
    assert page.find("input", type="hidden", name="action", value="withdraw")
    [key] = page.find("input", type="hidden", name="idempotency_key")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,64}", key["value"])
    assert page.find("script", src="/_consent/consent-log.js")


def test_each_page_gives_its_withdraw_form_a_new_key(browser_with_choices):
    keys = {
        Document(browser_with_choices.get("/consent-log").get_data(as_text=True))
        .find("input", name="idempotency_key")[0]["value"]
        for _ in range(3)
    }
    assert len(keys) == 3


@pytest.mark.parametrize("javascript", [False, True], ids=["form post", "API with the header"])
def test_a_withdraw_form_sent_twice_records_one_withdrawal(browser_with_choices, javascript):
    """A double click, or a resend after no answer, is the same withdrawal."""
    client = browser_with_choices
    page = Document(client.get("/en/consent-log").get_data(as_text=True))
    [form] = [a for t, a in page.elements if t == "form" and "data-ps-withdraw" in a]
    key = page.find("input", name="idempotency_key")[0]["value"]
    for _ in range(2):
        if javascript:
            response = client.post("/api/v1/consents", data=html.unescape(form["data-ps-withdraw"]),
                                   content_type="application/json",
                                   headers={"Idempotency-Key": f'"{key}"'})
            assert response.status_code == 201
        else:
            response = client.post("/en/consent-log", data={"action": "withdraw", "idempotency_key": key})
            assert response.status_code == 303
    actions = [r["action"] for r in client.get("/api/v1/me/consents").get_json()["records"]]
    assert actions == ["withdraw", "custom", "accept_all"]


def test_a_withdraw_form_with_a_key_it_did_not_make_is_refused(browser_with_choices):
    client = browser_with_choices
    response = client.post("/en/consent-log", data={"action": "withdraw", "idempotency_key": "short"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "idempotency_key"
    assert [r["action"] for r in client.get("/api/v1/me/consents").get_json()["records"]][0] != "withdraw"


def test_withdrawing_without_javascript_records_the_choice_and_redirects_back(browser_with_choices):
    client = browser_with_choices
    response = client.post("/en/consent-log", data={"action": "withdraw"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/consent-log?withdrawn=1"
    assert "ps_consent=;" in response.headers["Set-Cookie"]
    latest = client.get("/api/v1/me/consents").get_json()["records"][0]
    assert latest["action"] == "withdraw"
    assert latest["source"] == "settings"
    assert latest["policy"]["language"] == "en"
    assert latest["categories"] == {"necessary": True, "statistics": False, "media": False}
    page = Document(client.get("/en/consent-log?withdrawn=1").get_data(as_text=True))
    assert "Your consent is withdrawn" in page.text


def test_a_withdraw_post_from_another_site_is_refused(browser_with_choices):
    client = browser_with_choices
    response = client.post(
        "/consent-log", data={"action": "withdraw"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert client.get("/api/v1/me/consents").get_json()["records"][0]["action"] != "withdraw"


NO_VISITOR_ID = {
    "/consent-log": (
        "Den här webbläsaren har inget besöks-id, så det finns ingen logg att visa.",
        "registreras utan någon identifierare",
        "Ett besöks-id skapas först när du tillåter minst en valfri kategori",
        "Du ändrar ditt val med knappen nedan eller med ”Cookieinställningar” längst ned på varje sida.",
    ),
    "/en/consent-log": (
        "This browser has no visitor ID, so there is no log to show.",
        "is recorded without any identifier",
        "A visitor ID is created only when you allow at least one optional category",
        "To change your choice, use the button below or “Cookie settings” at the bottom of every page.",
    ),
}


@pytest.mark.parametrize("path", sorted(NO_VISITOR_ID))
@pytest.mark.parametrize("refusals", [(), ("reject_all",), ("reject_all", "withdraw")])
def test_a_browser_without_a_visitor_id_reads_why_there_is_no_log_and_how_to_change_its_choice(
    client, make_body, path, refusals
):
    """Nothing chosen yet, or only refusals: they are recorded without an identifier, so the
    page explains that instead of showing an empty table."""
    for kind in refusals:
        assert client.post("/api/v1/consents", json=make_body(kind)).status_code == 201
    response = client.get(path)
    assert response.status_code == 200
    page = Document(response.get_data(as_text=True))
    for sentence in NO_VISITOR_ID[path]:
        assert sentence in page.text
    assert [a for t, a in page.elements if t == "p" and "data-ps-no-visitor" in a]
    assert not page.find("table")
    assert not [a for t, a in page.elements if t == "form"], "nothing to withdraw"
    [button] = [a for t, a in page.elements if t == "a" and "data-ps-open-settings" in a]
    assert button["href"].endswith("cookie-settings/#cookie-settings")


def test_a_browser_with_a_visitor_id_sees_its_log_not_the_explanation(browser_with_choices):
    page = Document(browser_with_choices.get("/en/consent-log").get_data(as_text=True))
    assert "no visitor ID" not in page.text
    assert not [a for t, a in page.elements if "data-ps-no-visitor" in a]


def test_withdrawing_without_a_visitor_changes_nothing(client, storage):
    response = client.post("/consent-log", data={"action": "withdraw"})
    assert response.status_code == 303
    assert list(storage.iter_records()) == []


def test_another_visitor_never_appears_on_the_page(app, browser_with_choices, make_body):
    other = app.test_client()
    other.post("/api/v1/consents", json=make_body("custom"))
    page = Document(other.get("/consent-log").get_data(as_text=True))
    assert "1 registrerat val" in page.text
    assert "Godkände alla kakor" not in page.text


def test_the_page_is_private_and_needs_no_inline_code(browser_with_choices):
    response = browser_with_choices.get("/consent-log")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers["Vary"]
    assert response.headers["Content-Security-Policy"] == PAGE_CSP
    assert "unsafe-inline" not in PAGE_CSP
    markup = response.get_data(as_text=True)
    assert "<script>" not in markup
    assert " style=" not in markup


def test_the_trailing_slash_url_redirects_to_the_page(client):
    response = client.get("/en/consent-log/")
    assert response.status_code == 308
    assert response.headers["Location"] == "/en/consent-log"


def draft_notice(lang: str, title: str) -> dict:
    """A notice as the site's build writes it to draft.json: its texts, and its markup rendered
    by the site's own template."""
    notice = {"lang": lang, "title": title, "text": "Webbplatsen är ett utkast:",
              "missing": ["controller.name", "site.url"]}
    templates = jinja2.Environment(loader=jinja2.PackageLoader("policy_site"), autoescape=True)
    return {**notice, "html": templates.get_template("draft_notice.html").render(notice=notice)}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_log_page_of_a_draft_site_carries_the_site_s_draft_notice(make_app, site_dir, tmp_path):
    draft_site = tmp_path / "draft-site"
    shutil.copytree(site_dir, draft_site)
    notices = {"sv": draft_notice("sv", "Utkast – uppgifter saknas"), "en": draft_notice("en", "Draft")}
    (draft_site / "draft.json").write_text(json.dumps(notices), encoding="utf-8")
    served = make_app(CONSENT_SITE_DIR=str(draft_site)).test_client().get("/consent-log").get_data()
    (tmp_path / "draft.html").write_bytes(served)
    assert html_problems([tmp_path / "draft.html"]) == ""
    page = Document(served.decode())
    notes = page.find("div", role="note")
    assert len(notes) == 1 and notes[0]["lang"] == "sv"
    assert page.find("strong", id=notes[0]["aria-labelledby"])
    text = re.sub(r" ([,.])", r"\1", page.text)
    assert "Utkast – uppgifter saknas Webbplatsen är ett utkast: controller.name, site.url." in text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_log_page_of_a_site_without_placeholders_has_no_draft_notice(client):
    page = Document(client.get("/consent-log").get_data(as_text=True))
    assert page.find("div", role="note") == []
    assert "md-banner" not in " ".join(a.get("class") or "" for _, a in page.elements)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_log_page_uses_the_site_s_own_stylesheet_after_material_s(make_app, site_dir, tmp_path):
    styled = tmp_path / "styled-site"
    shutil.copytree(site_dir, styled)
    (styled / "stylesheets").mkdir()
    (styled / "stylesheets/policy.min.css").write_text(".ps-draft{}", encoding="utf-8")
    page = Document(make_app(CONSENT_SITE_DIR=str(styled)).test_client().get("/consent-log")
                .get_data(as_text=True))
    stylesheets = [link["href"] for link in page.find("link", rel="stylesheet")]
    assert stylesheets[:3] == ["/assets/stylesheets/main.0123abcd.min.css",
                               "/assets/stylesheets/palette.4567ef01.min.css", "/stylesheets/policy.min.css"]
