"""The plugin's ``cookie_domain`` option: the domain the policy site keeps the visitor's choice
for, a domain name a browser keeps a cookie for, or nothing (each host alone)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.config import load_config

from policy_site.config import PolicySiteConfig
from policy_site.cookie_domain import CookieDomainError, parse_cookie_domain
from policy_site.errors import PolicySiteError
from testbed.site import with_plugin_options


def validated(options: dict) -> tuple[object, list[str]]:
    """The option after MkDocs validated the plugin's options, and MkDocs' error messages."""
    config = PolicySiteConfig()
    config.load_dict(options)
    errors, _warnings = config.validate()
    return config.cookie_domain, [str(error) for _name, error in errors]


@pytest.mark.parametrize("options", [{}, {"cookie_domain": None}, {"cookie_domain": ""}])
def test_without_a_value_the_choice_is_kept_for_each_host_alone(options: dict) -> None:
    assert validated(options) == (None, [])


@pytest.mark.parametrize("value", [".example.se", "example.se", ".Example.SE", "EXAMPLE.se"])
def test_a_domain_is_kept_lower_cased_with_the_leading_dot_data_cookie_domain_has(value: str) -> None:
    assert validated({"cookie_domain": value}) == (".example.se", [])


@pytest.mark.parametrize("value", ["policy.example.se", "xn--fretag-4wa.se", "my-company.co.uk",
                                   "a1.b2.example.se"])
def test_any_domain_name_of_two_labels_or_more_is_taken(value: str) -> None:
    assert parse_cookie_domain(value) == "." + value


ASCII_ONLY = ("write labels of letters a-z, digits and inner hyphens joined by dots, such as "
              ".example.se (an internationalised name in its ASCII form, xn--…)")


@pytest.mark.parametrize(("value", "message"), [
    (".se", "'.se' is a top-level domain alone, which browsers keep no cookie for: write the "
            "company's domain, such as .example.se"),
    ("localhost", "'localhost' is a top-level domain alone, which browsers keep no cookie for: "
                  "write the company's domain, such as .example.se"),
    ("https://example.se", "'https://example.se' is not a domain name: write the domain alone, such "
                           "as .example.se, with no scheme, port or path"),
    ("example.se:443", "'example.se:443' is not a domain name: write the domain alone, such as "
                       ".example.se, with no scheme, port or path"),
    ("example.se/policy", "'example.se/policy' is not a domain name: write the domain alone, such as "
                          ".example.se, with no scheme, port or path"),
    ("127.0.0.1", "'127.0.0.1' is an IP address: a choice kept for the whole domain needs a domain "
                  "name, such as .example.se"),
    ("exa mple.se", f"'exa mple.se' is not a domain name (label 'exa mple'): {ASCII_ONLY}"),
    ("-example.se", f"'-example.se' is not a domain name (label '-example'): {ASCII_ONLY}"),
    ("företag.se", f"'företag.se' is not a domain name (label 'företag'): {ASCII_ONLY}"),
    ("example..se", f"'example..se' is not a domain name (an empty label): {ASCII_ONLY}"),
    ("example.se.", f"'example.se.' is not a domain name (an empty label): {ASCII_ONLY}"),
    ("a" * 64 + ".se", f"'{'a' * 64}.se' is not a domain name (label '{'a' * 64}'): {ASCII_ONLY}"),
    ("a." * 126 + "se", f"'{'a.' * 126}se' is not a domain name (longer than 253 characters): "
                        f"{ASCII_ONLY}"),
])
def test_anything_a_browser_would_not_keep_a_cookie_for_is_refused_saying_what_to_write(
    value: str, message: str
) -> None:
    with pytest.raises(CookieDomainError) as raised:
        parse_cookie_domain(value)
    assert str(raised.value) == message
    assert isinstance(raised.value, PolicySiteError)
    _value, errors = validated({"cookie_domain": value})
    assert errors == [message]


@pytest.mark.parametrize("value", [True, 5, [".example.se"]])
def test_the_option_is_a_text(value: object) -> None:
    _value, errors = validated({"cookie_domain": value})
    assert errors == [f"{value!r} is not a domain name: write one such as .example.se, or leave "
                      "the option out to keep the choice for each host alone"]


@pytest.mark.parametrize(("environ", "expected"), [
    ({"POLICY_COOKIE_DOMAIN": "Example.SE"}, ".example.se"),
    ({"POLICY_COOKIE_DOMAIN": ""}, None),
    ({}, None),
])
def test_mkdocs_yml_may_take_it_from_the_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], expected: str | None
) -> None:
    with_plugin_options(project, "      cookie_domain: !ENV [POLICY_COOKIE_DOMAIN, null]\n")
    monkeypatch.delenv("POLICY_COOKIE_DOMAIN", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    config = load_config(str(project / "mkdocs.yml"))
    assert config.plugins["policy-site"].config.cookie_domain == expected
