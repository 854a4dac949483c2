"""The built site served at / from the same origin as the API."""

from __future__ import annotations

import shutil

import pytest

from testbed.consent import CURRENT


@pytest.fixture
def database_url(tmp_path):
    """Serving files does not touch the database: SQLite only."""
    return f"sqlite:///{tmp_path / 'consent.sqlite3'}"


def test_the_home_page_is_the_site_index(client, site_dir):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data() == (site_dir / "index.html").read_bytes()


@pytest.mark.parametrize(
    ("path", "file"),
    [
        ("/en/", "en/index.html"),
        (f"/versions/{CURRENT}/", f"versions/{CURRENT}/index.html"),
        (f"/en/versions/{CURRENT}/", f"en/versions/{CURRENT}/index.html"),
        ("/index.html", "index.html"),
    ],
)
def test_directory_urls_serve_their_index(client, site_dir, path, file):
    response = client.get(path)
    assert response.status_code == 200
    assert response.get_data() == (site_dir / file).read_bytes()


def test_a_directory_url_without_slash_redirects_to_it_keeping_the_query(client):
    response = client.get("/en?lang=1")
    assert response.status_code == 308
    assert response.headers["Location"] == "/en/?lang=1"


@pytest.mark.parametrize("path", ["/no-such-page/", "/versions/1999-01-01/", "/assets/nothing.css"])
def test_unknown_paths_get_the_site_404_page(client, site_dir, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_data() == (site_dir / "404.html").read_bytes()
    assert response.mimetype == "text/html"


def test_a_directory_without_index_is_not_listed(client):
    response = client.get("/assets/stylesheets/")
    assert response.status_code == 404
    assert b"main.0123abcd" not in response.get_data()


@pytest.mark.parametrize(
    "path",
    [
        "/../versions.json",
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/assets/../../../etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/%5c..%5c..%5cetc%5cpasswd",
        "//etc/passwd",
        "/.secret",
        "/assets/.%2e/.secret",
        "/etc/passwd%00.html",
    ],
)
def test_no_path_escapes_the_site_or_reaches_a_dotfile(client, path):
    response = client.get(path)
    assert response.status_code in (404, 308)
    body = response.get_data()
    assert b"root:" not in body
    assert b"not for the web" not in body


def test_a_symlink_out_of_the_site_is_not_followed(make_app, site_dir, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site_dir, copy)
    outside = tmp_path / "outside.txt"
    outside.write_text("private")
    (copy / "leak.txt").symlink_to(outside)
    client = make_app(CONSENT_SITE_DIR=str(copy)).test_client()
    assert client.get("/leak.txt").status_code == 404


def test_fingerprinted_assets_are_cached_for_a_year(client):
    response = client.get("/assets/stylesheets/main.0123abcd.min.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("path", ["/", "/en/", "/versions.json", "/robots.txt"])
def test_pages_and_feeds_are_revalidated(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-cache"


def test_the_sites_own_stylesheets_and_scripts_are_revalidated(make_app, site_dir, tmp_path):
    """Not fingerprinted: a new build changes them under the same name."""
    copy = tmp_path / "site"
    shutil.copytree(site_dir, copy)
    for name in ("stylesheets/policy.min.css", "javascripts/consent.min.js"):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text("/* a build */", encoding="utf-8")
    client = make_app(CONSENT_SITE_DIR=str(copy)).test_client()
    for name in ("stylesheets/policy.min.css", "javascripts/consent.min.js"):
        assert client.get(f"/{name}").headers["Cache-Control"] == "no-cache"


def test_other_files_are_cached_for_an_hour(client):
    assert client.get("/assets/images/favicon.png").headers["Cache-Control"] == "public, max-age=3600"


def test_revalidation_answers_304_when_unchanged(client):
    first = client.get("/")
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_head_requests_have_headers_and_no_body(client):
    response = client.head("/")
    assert response.status_code == 200
    assert response.get_data() == b""
    assert int(response.headers["Content-Length"]) > 0


def test_the_site_is_read_only(client):
    assert client.post("/", data="x").status_code == 405
    assert client.put("/index.html", data="x").status_code == 405


def test_versions_json_is_served_for_the_banner(client, site_dir):
    response = client.get("/versions.json")
    assert response.status_code == 200
    assert response.get_json()["current"] == CURRENT


def test_unknown_api_paths_answer_json_not_the_site_page(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_wrong_method_on_the_api_answers_405_with_allow(client):
    response = client.get("/api/v1/consents")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_a_missing_site_gives_a_plain_404_and_an_unavailable_health(make_app, tmp_path):
    app = make_app(CONSENT_SITE_DIR=str(tmp_path / "not-built"))
    client = app.test_client()
    assert client.get("/").status_code == 404
    health = client.get("/api/v1/health")
    assert health.status_code == 503
    assert health.get_json()["site"]["ok"] is False
