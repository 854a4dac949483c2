"""Every user-visible string of the generator is in both gettext catalogs, translated into Swedish."""

from __future__ import annotations

from datetime import date

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from site_testing import REPO

from policy_site.i18n import load_translations, long_date


def extracted_ids() -> set[str]:
    with open(REPO / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(str(REPO), method_map, options_map,
                                                      keywords={"_": None})
    }


def catalog(lang: str):
    with open(REPO / f"policy_site/locale/{lang}/LC_MESSAGES/messages.po", "rb") as handle:
        return read_po(handle)


def test_catalogs_hold_exactly_the_strings_the_code_uses() -> None:
    used = extracted_ids()
    assert used, "extraction found no strings"
    for lang in ("sv", "en"):
        ids = {m.id for m in catalog(lang) if m.id}
        assert ids == used, f"run `make catalogs` ({lang}): missing {used - ids}, stale {ids - used}"


def test_every_string_is_translated_into_swedish() -> None:
    untranslated = [m.id for m in catalog("sv") if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_translations_load_and_dates_are_localized() -> None:
    assert load_translations("sv").gettext("Change history") == "Ändringshistorik"
    assert load_translations("en").gettext("Change history") == "Change history"
    assert long_date(date(2018, 5, 25), "sv") == "25 maj 2018"
    assert long_date(date(2018, 5, 25), "en") == "25 May 2018"
