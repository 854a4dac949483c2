"""The gettext catalogs: complete in Swedish, compiled at start when no .mo is present."""

from __future__ import annotations

import shutil

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from consent_service.i18n import CATALOG_DIR, LANGUAGES, load_translations

PACKAGE_DIR = CATALOG_DIR.parent
EXTRACTION = [("**.py", "python"), ("templates/**.html", "jinja2")]


def message_ids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PACKAGE_DIR,
        method_map=EXTRACTION,
        options_map={"templates/**.html": {"trimmed": "true"}},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(language: str):
    with (CATALOG_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_every_text_in_the_templates_is_in_both_catalogs():
    used = message_ids()
    assert used, "extraction found no messages"
    for language in LANGUAGES:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
        assert used <= ids, f"{language}: missing {sorted(used - ids)}"


def test_every_swedish_text_is_translated_and_keeps_its_placeholders():
    for message in catalog("sv"):
        if not message.id:
            continue
        assert message.string, f"untranslated: {message.id!r}"
        assert not message.fuzzy
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for placeholder in ("%(version)s", "%(id)s", "%(num)d"):
            if any(placeholder in i for i in ids):
                assert all(placeholder in s for s in strings), message.id


def test_catalogs_compile_in_memory_when_no_mo_file_exists(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(CATALOG_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    translations = load_translations(copy)
    assert translations["sv"].gettext("Your consent log") == "Din samtyckeslogg"
    assert translations["en"].gettext("Your consent log") == "Your consent log"
    assert not list(copy.rglob("*.mo")), "nothing is written next to the catalogs"


def test_a_compiled_mo_newer_than_its_po_is_used(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(CATALOG_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    sv = catalog("sv")
    sv["Your consent log"].string = "Samtyckesloggen (kompilerad)"
    with (copy / "sv" / "LC_MESSAGES" / "messages.mo").open("wb") as handle:
        write_mo(handle, sv)
    assert load_translations(copy)["sv"].gettext("Your consent log") == "Samtyckesloggen (kompilerad)"
