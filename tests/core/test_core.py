"""The shared core: pure, and the one owner of the manifest contract and the in-effect rule."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from policy_core import manifest
from policy_core.languages import LANGUAGES
from policy_core.manifest import ManifestError
from policy_core.versions import CHANGE_TYPES, STATUSES, History
from testbed.site import REPO

FRAMEWORKS = ("mkdocs", "material", "flask", "sqlalchemy", "flask_limiter", "werkzeug", "jinja2",
              "consent_service", "policy_site")


def modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=REPO)
    return {name.split(".")[0] for name in result.stdout.split()}


def test_the_core_imports_no_framework_and_neither_package() -> None:
    loaded = modules_loaded_by("import policy_core.chain, policy_core.manifest, policy_core.versions, "
                               "policy_core.catalogs, policy_core.urls, policy_core.hashing, "
                               "policy_core.merkle, policy_core.tiles, policy_core.note, "
                               "policy_core.checkpoint, policy_core.receipt, policy_core.publish_report, "
                               "policy_core.log_record, policy_core.log_export, policy_core.log_audit")
    assert not loaded & set(FRAMEWORKS), sorted(loaded & set(FRAMEWORKS))


def test_the_offline_auditor_loads_neither_the_service_nor_a_web_framework() -> None:
    loaded = modules_loaded_by("import policy_site.audit")
    assert not loaded & {"flask", "sqlalchemy", "flask_limiter", "werkzeug", "consent_service", "mkdocs"}


def test_the_built_manifest_fits_its_schema_and_reads_back(built_site: Path) -> None:
    data = json.loads((built_site / "versions.json").read_text(encoding="utf-8"))
    manifest.validate(data)
    read = manifest.parse(data)
    assert [v.id for v in read.versions] == [v["id"] for v in data["versions"]]
    assert read.current == data["current"]


def test_every_edition_publishes_the_text_it_shows_under_the_hash_it_names(built_site: Path) -> None:
    read = manifest.parse(json.loads((built_site / "versions.json").read_text(encoding="utf-8")))
    for version in read.versions:
        for lang, edition in version.editions.items():
            shown = (built_site / edition.text_url.lstrip("/")).read_bytes()
            assert hashlib.sha256(shown).hexdigest() == edition.text_sha256, (version.id, lang)
            assert b"{{" not in shown, "facts are substituted in the shown text"


def test_the_schema_names_the_languages_change_types_and_statuses_of_the_model() -> None:
    defs = manifest.schema()["$defs"]
    assert tuple(defs["version"]["properties"]["languages"]["required"]) == LANGUAGES
    assert tuple(defs["version"]["properties"]["change_type"]["enum"]) == CHANGE_TYPES
    assert tuple(defs["version"]["properties"]["status"]["enum"]) == STATUSES


def _edition(n: int) -> dict:
    return {"url": f"/versions/{n}/", "title": "T", "summary": "S", "sha256": f"{n:064x}",
            "text_sha256": f"{n + 10:064x}", "text_url": "/versions/2026-11-01/sv.shown.md"}


def _version(day: str, status: str) -> dict:
    return {"id": day, "effective": day, "published": day, "change_type": "material",
            "status": status, "languages": {lang: _edition(i) for i, lang in enumerate(LANGUAGES)},
            "inventory": {"sha256": "a" * 64, "categories": ["necessary", "media"],
                          "required": ["necessary"]}}


VALID = {"as_of": "2026-12-01", "current": "2026-11-01",
         "versions": [_version("2018-05-25", "superseded"), _version("2026-11-01", "current"),
                      _version("2027-01-01", "upcoming")]}


def _broken(change) -> dict:
    data = copy.deepcopy(VALID)
    change(data)
    return data


@pytest.mark.parametrize(("change", "named"), [
    (lambda d: d.pop("as_of"), "'as_of' is a required property"),
    (lambda d: d["versions"][1]["languages"].pop("en"), "versions[1].languages"),
    (lambda d: d["versions"][0]["languages"]["sv"].update(sha256="XYZ"), "versions[0].languages.sv.sha256"),
    (lambda d: d["versions"][2].update(status="draft"), "versions[2].status"),
    (lambda d: d["versions"][1].update(extra=1), "versions[1]"),
    (lambda d: d["versions"][1].update(effective="2026-02-30", id="2026-02-30"), "not a calendar date"),
    (lambda d: d["versions"][1].update(id="2026-11-02"), "is not its effective date"),
    (lambda d: d["versions"][2].update(status="current"),
     "marked current, but as of 2026-12-01 it is upcoming"),
    (lambda d: d.update(current="2018-05-25"), "current: 2018-05-25 is not the version in effect"),
    (lambda d: d["versions"][1]["inventory"].update(required=["ads"]), "inventory.required"),
    (lambda d: d["versions"].append(copy.deepcopy(d["versions"][0])), "appears twice"),
])
def test_the_reader_names_what_does_not_fit(change, named: str) -> None:
    with pytest.raises(ManifestError) as error:
        manifest.parse(_broken(change))
    assert named in str(error.value)


def test_the_reader_accepts_the_valid_manifest() -> None:
    read = manifest.parse(VALID)
    assert read.as_of == dt.date(2026, 12, 1)
    assert read.versions[1].editions["en"].sha256 == f"{1:064x}"
    assert read.versions[0].inventory.required == frozenset({"necessary"})


def test_a_served_site_never_gets_ahead_of_the_day_it_was_built_as_of() -> None:
    read = manifest.parse(VALID)
    assert read.history(dt.date(2027, 1, 5)).current.id == "2026-11-01"
    assert read.history(dt.date(2026, 11, 30)).current.id == "2026-11-01"
    assert read.history(dt.date(2026, 10, 31)).current.id == "2018-05-25"


class Dated:
    def __init__(self, day: str) -> None:
        self.id, self.effective = day, dt.date.fromisoformat(day)


def test_one_rule_decides_status_for_any_dated_version() -> None:
    versions = [Dated("2027-01-01"), Dated("2018-05-25"), Dated("2026-11-01")]
    history = History(versions, as_of=dt.date(2026, 11, 1))
    assert [v.id for v in history] == ["2018-05-25", "2026-11-01", "2027-01-01"]
    assert [history.status(v) for v in history] == ["superseded", "current", "upcoming"]
    assert [history.has_taken_effect(v) for v in history] == [True, True, False]
    assert history.get("2027-01-01") is versions[0] and history.get("2099-01-01") is None


def test_importing_the_service_package_builds_nothing_and_loads_no_web_framework() -> None:
    assert not modules_loaded_by("import consent_service") & {"flask", "sqlalchemy", "werkzeug"}
