"""nginx configured from deploy/nginx/, in front of gunicorn started as the systemd unit starts
it: the site as static files (compressed, cached by the right rules, with the security headers
the service would send), the consent service's paths passed on, no client address logged
where a choice is recorded, and sign-in attempts counted per client by the address nginx sees.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path

import pytest

from consent_service.security import (
    API_CSP,
    COMMON_HEADERS,
    EMBED_HEADERS,
    INLINE_SNIPPET_CSP,
    PAGE_CSP,
    SITE_CSP,
)
from testbed.choice import choice_body, manifest_entry
from testbed.production import Answer, Production, from_service, through_nginx
from testbed.site import PAGE_TYPES

GZIP = {"Accept-Encoding": "gzip"}
SITE_HEADERS = ("Content-Security-Policy", "Cache-Control", "Strict-Transport-Security", *COMMON_HEADERS)
PAGES = {kind: "/" + path for kind, path in PAGE_TYPES.items()} | {
    "English home": "/en/", "English demo page": "/en/demo/", "404 page": "/no-such-page/"}


def file_of(production: Production, path: str) -> Path:
    target = production.link / path.lstrip("/")
    return target / "index.html" if path.endswith("/") else target


def choice(production: Production) -> dict:
    return choice_body(manifest_entry(production.link), "sv", "reject_all")


def post_choice(production: Production, body: dict) -> Answer:
    return through_nginx(production, "/api/v1/consents", method="POST", body=json.dumps(body).encode(),
                         headers={"Content-Type": "application/json",
                                  "Origin": f"https://127.0.0.1:{production.https_port}"})


# The site's files --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", PAGES)
def test_every_page_type_has_the_headers_the_service_sends_for_it(production: Production, kind: str) -> None:
    path = PAGES[kind]
    nginx, service = through_nginx(production, path), from_service(production, path)
    assert nginx.status == service.status == (404 if kind == "404 page" else 200)
    for name in SITE_HEADERS:
        assert nginx.header(name) == service.header(name), name
    demo = "demo" in path
    assert nginx.header("Content-Security-Policy") == (INLINE_SNIPPET_CSP if demo else SITE_CSP)
    assert nginx.header("Strict-Transport-Security") == "max-age=31536000"
    assert nginx.header("Cache-Control") == "no-cache"
    if kind != "404 page":
        assert nginx.header("ETag") and nginx.header("Last-Modified")
    assert nginx.body == file_of(production, "/404.html" if kind == "404 page" else path).read_bytes()


EMBED = ("/embed/v1/consent.js", "/embed/v1/consent.css", "/embed/v1/config.sv.json",
         "/embed/v1/config.en.json")


@pytest.mark.parametrize("path", EMBED)
def test_the_banner_files_for_other_sites_have_the_headers_the_service_sends_for_them(
    production: Production, path: str
) -> None:
    origin = {"Origin": "https://www.example.se"}
    nginx, service = through_nginx(production, path, headers=origin), from_service(production, path,
                                                                                   headers=origin)
    assert nginx.status == service.status == 200
    for name in (*SITE_HEADERS, *EMBED_HEADERS, "Access-Control-Allow-Credentials"):
        assert nginx.header(name) == service.header(name), name
    assert {name: nginx.header(name) for name in EMBED_HEADERS} == EMBED_HEADERS
    assert nginx.header("Cache-Control") == "no-cache"
    assert nginx.body == file_of(production, path).read_bytes()


def test_only_the_banner_files_are_for_other_sites(production: Production) -> None:
    for path in ("/", "/versions.json", "/stylesheets/policy.min.css", "/no-such-page/"):
        nginx = through_nginx(production, path, headers={"Origin": "https://www.example.se"})
        assert nginx.header("Cross-Origin-Resource-Policy") == "same-origin", path
        assert nginx.header("Access-Control-Allow-Origin") is None, path


def test_pages_are_compressed_for_clients_that_accept_it(production: Production) -> None:
    answer = through_nginx(production, "/versions/2026-11-01/", headers=GZIP)
    assert (answer.status, answer.header("Content-Encoding")) == (200, "gzip")
    assert answer.header("Vary") == "Accept-Encoding"
    original = file_of(production, "/versions/2026-11-01/").read_bytes()
    assert gzip.decompress(answer.body) == original
    assert len(answer.body) < len(original) / 3
    assert through_nginx(production, "/versions/2026-11-01/").header("Content-Encoding") is None


def test_fingerprinted_assets_are_immutable_and_everything_else_revalidated_or_short_lived(
    production: Production
) -> None:
    [stylesheet] = (production.link / "assets" / "stylesheets").glob("main.*.min.css")
    [bundle] = (production.link / "assets" / "javascripts").glob("bundle.*.min.js")
    expected = {
        f"/assets/stylesheets/{stylesheet.name}": "public, max-age=31536000, immutable",
        f"/assets/javascripts/{bundle.name}": "public, max-age=31536000, immutable",
        "/stylesheets/policy.min.css": "no-cache",
        "/embed/v1/consent.js": "no-cache",
        "/versions.json": "no-cache",
        "/sitemap.xml": "no-cache",
        "/assets/images/favicon.png": "public, max-age=3600",
        "/feed.atom": "public, max-age=3600",
    }
    for path, cache_control in expected.items():
        nginx = through_nginx(production, path, headers=GZIP)
        assert nginx.status == 200, path
        assert nginx.header("Cache-Control") == cache_control, path
        assert from_service(production, path).header("Cache-Control") == cache_control, path
        if path.endswith((".css", ".js", ".json", ".xml", ".atom")) and len(
                file_of(production, path).read_bytes()) >= 256:  # gzip_min_length
            assert nginx.header("Content-Encoding") == "gzip", path
            assert gzip.decompress(nginx.body) == file_of(production, path).read_bytes(), path


def test_the_published_sources_are_served_byte_for_byte_as_utf8_markdown(production: Production) -> None:
    answer = through_nginx(production, "/versions/2026-11-01/sv.md")
    assert answer.status == 200
    assert answer.header("Content-Type") == "text/markdown; charset=utf-8"
    assert answer.body == file_of(production, "/versions/2026-11-01/sv.md").read_bytes()
    assert answer.header("Content-Security-Policy") == SITE_CSP


def test_a_folder_without_its_slash_is_redirected_on_this_origin(production: Production) -> None:
    answer = through_nginx(production, "/about")
    assert answer.status == 301
    assert answer.header("Location") == "/about/"


def test_dotfiles_are_never_served(production: Production) -> None:
    (production.release / ".hidden").write_text("not for the web", encoding="utf-8")
    answer = through_nginx(production, "/.hidden")
    assert answer.status == 404
    assert b"not for the web" not in answer.body


def test_plain_http_only_redirects_to_https_and_answers_certificate_challenges(
    production: Production
) -> None:
    import http.client

    from testbed.production import fetch

    (production.nginx_prefix / "acme" / ".well-known" / "acme-challenge").mkdir(parents=True, exist_ok=True)
    (production.nginx_prefix / "acme" / ".well-known" / "acme-challenge" / "token").write_text("proof")
    plain = http.client.HTTPConnection("127.0.0.1", production.http_port, timeout=10)
    answer = fetch(plain, "/versions/", headers={"Host": "policy.example.se"})
    assert answer.status == 301
    assert answer.header("Location") == "https://policy.example.se/versions/"
    assert answer.header("Strict-Transport-Security") is None
    plain = http.client.HTTPConnection("127.0.0.1", production.http_port, timeout=10)
    assert fetch(plain, "/.well-known/acme-challenge/token").body == b"proof"


# The consent service behind it -------------------------------------------------------------------

def test_the_api_is_passed_to_gunicorn_with_its_own_headers_and_hsts(production: Production) -> None:
    answer = through_nginx(production, "/api/v1/health", headers=GZIP)
    assert answer.status == 200
    assert json.loads(answer.body)["site"]["current"] == "2026-11-01"
    assert answer.header("Content-Security-Policy") == API_CSP
    assert answer.header("Cache-Control") == "no-store"
    assert answer.header("Strict-Transport-Security") == "max-age=31536000", "the scheme reaches the service"
    assert answer.header("Content-Encoding") is None


def test_a_choice_posted_through_nginx_is_recorded_from_this_origin(production: Production) -> None:
    answer = post_choice(production, choice(production))
    assert answer.status == 201, answer.body
    assert json.loads(answer.body)["receipt"]["id"] == json.loads(answer.body)["id"]


def test_a_choice_from_another_origin_is_refused_by_the_service(production: Production) -> None:
    body = json.dumps(choice(production)).encode()
    answer = through_nginx(production, "/api/v1/consents", method="POST", body=body,
                           headers={"Content-Type": "application/json", "Origin": "https://evil.example"})
    assert answer.status == 403
    assert json.loads(answer.body)["error"]["code"] == "origin_not_allowed"


def test_bodies_too_large_get_the_services_json_error_or_stop_at_nginx(production: Production) -> None:
    headers = {"Content-Type": "application/json"}
    answer = through_nginx(production, "/api/v1/consents", method="POST", body=b" " * 5000, headers=headers)
    assert (answer.status, json.loads(answer.body)["error"]["code"]) == (413, "body_too_large")
    answer = through_nginx(production, "/api/v1/consents", method="POST", body=b" " * 100_000,
                           headers=headers)
    assert answer.status == 413


@pytest.mark.parametrize("path", ["/consent-log", "/en/consent-log"])
def test_the_consent_log_pages_and_their_files_come_from_the_service(production: Production,
                                                                     path: str) -> None:
    answer = through_nginx(production, path)
    assert answer.status == 200
    assert answer.header("Content-Security-Policy") == PAGE_CSP
    assert answer.header("Cache-Control") == "no-store"
    assert answer.body == from_service(production, path).body
    script = through_nginx(production, "/_consent/consent-log.js")
    assert script.status == 200
    assert script.body == from_service(production, "/_consent/consent-log.js").body


def test_metrics_come_from_the_service_with_every_workers_counts(production: Production) -> None:
    """The unit's gunicorn gives its workers one directory for their counts (its Environment=)."""
    for _ in range(6):
        assert through_nginx(production, "/api/v1/health").status == 200
    answer = through_nginx(production, "/metrics")
    assert answer.status == 200
    assert answer.header("Content-Type").startswith("text/plain; version=")
    assert answer.header("Cache-Control") == "no-store"
    counted = re.search(r'^consent_http_requests_total\{endpoint="/api/v1/health",method="GET",'
                        r'status="200"\} ([\d.]+)$', answer.body.decode(), re.MULTILINE)
    assert counted and float(counted.group(1)) >= 6
    assert list((production.socket.parent / "metrics").glob("counter_*.db"))
    assert re.search(r'^consent_check_ok\{check="purge"\} 1\.0$', answer.body.decode(), re.MULTILINE)


# Logs --------------------------------------------------------------------------------------------

def read_log(production: Production, name: str, containing: str) -> list[str]:
    """The lines of one of the site's logs that contain ``containing`` (nginx writes them as it
    answers, so they are there by the time the answer has been read)."""
    path = production.nginx_prefix / "logs" / name
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if containing in line]
        if lines:
            return lines
        time.sleep(0.05)
    return []


def test_recording_a_choice_logs_no_client_address_while_other_requests_keep_it(
    production: Production
) -> None:
    marker = f"/about/?visit={time.time_ns()}"
    assert through_nginx(production, marker).status == 200
    assert post_choice(production, choice(production)).status == 201
    assert through_nginx(production, "/consent-log").status == 200
    through_nginx(production, "/api/v1/me/consents")

    [page] = read_log(production, "access.log", marker)
    assert page.startswith("127.0.0.1 ")
    recorded = read_log(production, "consent.log", "POST /api/v1/consents")
    line_format = re.compile(r'\[[^]]+\] "POST /api/v1/consents HTTP/[\d.]+" \d{3} \d+ [\d.]+')
    assert recorded and all(line_format.fullmatch(line) for line in recorded), recorded
    assert read_log(production, "consent.log", "GET /consent-log")
    assert read_log(production, "consent.log", "GET /api/v1/me/consents")
    everything = "\n".join(path.read_text(encoding="utf-8") for path in
                           (production.nginx_prefix / "logs").glob("*.log"))
    recording = re.compile(r"(POST|GET) (/api/v1/consents|/api/v1/me/|/consent-log|/en/consent-log)[ /?]")
    assert not [line for line in everything.splitlines() if recording.search(line) and "127.0.0.1" in line]


# Signing in to the dashboard ---------------------------------------------------------------------

def test_sign_in_attempts_are_counted_by_the_address_nginx_sees_whatever_the_client_forwards(
    production: Production
) -> None:
    """nginx replaces a client's own X-Forwarded-For with the address it sees, which the service
    (CONSENT_PROXY_HOPS=1) counts sign-in attempts by: a client cannot start afresh by claiming
    another address, and another client is not refused. Each of the unit's two workers counts in
    its own memory (CONSENT_RATE_LIMIT_STORAGE=memory://), so a client has up to twice the limit.
    The clients are loopback addresses of their own, apart from the browser tests' 127.0.0.1."""
    limit = 10  # the default of CONSENT_LOGIN_RATE_LIMIT: 10/minute

    def attempt(client: str, claimed: str) -> Answer:
        return through_nginx(production, "/admin/en/login", client=client, method="POST",
                             body=b"token=wrong-wrong-wrong-wrong",
                             headers={"Content-Type": "application/x-www-form-urlencoded",
                                      "X-Forwarded-For": claimed})

    answers = []
    for n in range(2 * limit + 1):
        answers.append(attempt("127.0.0.3", f"198.51.100.{n}"))
        if answers[-1].status != 401:
            break
    refused = answers[-1]
    assert refused.status == 429, [answer.status for answer in answers]
    assert len(answers) > limit, "each worker allows the whole limit, and none more"
    assert 0 < int(refused.header("Retry-After") or 0) <= 60
    assert b"Too many sign-in attempts" in refused.body
    assert attempt("127.0.0.4", "127.0.0.3").status == 401, "another client, whatever it claims"
