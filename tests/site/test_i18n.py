"""Both packages' gettext catalogs: one layout, exactly the strings the code uses, all translated."""

from __future__ import annotations

from datetime import date

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from policy_core.catalogs import load_catalog
from policy_core.languages import LANGUAGES
from policy_site.i18n import load_translations, long_date
from testbed.site import REPO

PACKAGES = ("policy_site", "consent_service")
PLACEHOLDERS = ("%(version)s", "%(id)s", "%(num)d", "%(date)s", "%(old)s", "%(new)s")


def extracted_ids(package: str) -> set[str]:
    """What ``make catalogs`` extracts: the one babel.cfg, applied inside the package folder, with
    pybabel's keywords (``_``, ``gettext``, ``ngettext``, ``N_`` for a string marked where it is
    defined and translated where it is shown …)."""
    with open(REPO / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(str(REPO / package), method_map, options_map,
                                                      keywords=DEFAULT_KEYWORDS)
    }


def catalog(package: str, lang: str):
    with open(REPO / package / "locale" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("package", PACKAGES)
def test_catalogs_hold_exactly_the_strings_the_code_uses(package: str, lang: str) -> None:
    used = extracted_ids(package)
    assert used, "extraction found no strings"
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(package, lang) if m.id}
    assert ids == used, f"run `make catalogs` ({package}, {lang}): missing {used - ids}, stale {ids - used}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_string_is_translated_into_swedish_with_its_placeholders(package: str) -> None:
    for message in catalog(package, "sv"):
        if not message.id:
            continue
        assert message.string and not message.fuzzy, f"untranslated: {message.id!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for placeholder in PLACEHOLDERS:
            if any(placeholder in i for i in ids):
                assert all(placeholder in s for s in strings), message.id


def test_catalogs_compile_in_memory_and_nothing_is_written_beside_them() -> None:
    assert load_catalog("consent_service", "sv").gettext("Your consent log") == "Din samtyckeslogg"
    assert load_catalog("consent_service", "en").gettext("Your consent log") == "Your consent log"
    assert load_translations("sv").gettext("Change history") == "Ändringshistorik"
    assert load_translations("en").gettext("Change history") == "Change history"
    for package in PACKAGES:
        assert not list((REPO / package).rglob("*.mo")), "no compiled catalog in the package"


def test_dates_are_localized() -> None:
    assert long_date(date(2018, 5, 25), "sv") == "25 maj 2018"
    assert long_date(date(2018, 5, 25), "en") == "25 May 2018"
