"""Values YAML cannot construct, in every YAML file the build reads.

PyYAML turns date-shaped scalars into dates, and tagged ones into their type, while it loads; a
value it cannot construct must be one problem at its line, like any other mistake, and the rest
of the run must still be checked and reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.sources import NOW, OLD, line_of, problems, replace

UNREADABLE_VALUES = {
    "impossible day": ("2027-02-30", "'2027-02-30' is not a real date (day is out of range for month)"),
    "impossible month": ("2027-13-01", "'2027-13-01' is not a real date (month must be in 1..12)"),
    "impossible time": ("2027-01-01 25:00:00", "'2027-01-01 25:00:00' is not a real date (hour must "
                        "be in 0..23)"),
    "bad base64": ("!!binary abcde", "'abcde' cannot be read as base64 data (failed to decode base64"),
    "unknown tag": ("!secret hunter2", "'hunter2' has the tag '!secret', which is not allowed here"),
    "not a boolean": ("!!bool maybe", "'maybe' cannot be read as true or false"),
}

LINK = ("\n## ", "\nSee [the history](changes/).\n\n## ")
SITE_URL = ('"https://PLACEHOLDER.example/"', '"https://example.se/x"')
YAML_PLACES = {
    # name: (file, the line whose value is replaced, a second mistake in the same file)
    "front matter effective": (f"{NOW}/sv.md", "effective: 2026-11-01", LINK),
    "front matter published": (f"{NOW}/en.md", "published: 2026-10-01", LINK),
    "policy.yml, a required fact": ("policy.yml", "  appointed: false", SITE_URL),
    "policy.yml, a fact the texts use": ("policy.yml", '  url: "https://www.imy.se/"', SITE_URL),
    "cookies.yml": (f"{NOW}/cookies.yml", "    required: true", ("id: statistics", "id: Statistics!")),
}


def break_line(path: Path, old: str, new: str) -> int:
    """Replace ``old`` with ``new`` once; the line where ``new`` now starts."""
    replace(path, old, new)
    return line_of(path, new.strip("\n").split("\n")[0])


@pytest.mark.parametrize("value", UNREADABLE_VALUES, ids=str)
@pytest.mark.parametrize("place", YAML_PLACES, ids=str)
def test_a_value_yaml_cannot_construct_is_one_problem_at_its_line(src: Path, place: str, value: str) -> None:
    name, written, elsewhere = YAML_PLACES[place]
    bad, message = UNREADABLE_VALUES[value]
    path = src / name
    line = break_line(path, written, written.split(":")[0] + ": " + bad)
    same_file_line = break_line(path, *elsewhere)
    other_file_line = break_line(src / OLD / "en.md", *LINK)

    found = problems(src)

    assert f"{name}:{line}: {message}" in "\n".join(found), found
    assert any(p.startswith(f"{name}:{same_file_line}: ") for p in found), found
    assert any(p.startswith(f"{OLD}/en.md:{other_file_line}: relative link") for p in found), found
    assert len(found) == 3, "the value is reported once, and nothing else is blamed on it"


def test_every_unreadable_value_of_a_file_is_reported_in_one_run(src: Path) -> None:
    path = src / NOW / "sv.md"
    replace(path, "effective: 2026-11-01", "effective: 2026-02-30")
    replace(path, "published: 2026-10-01", "published: 2026-13-01")
    replace(path, "change_type: material", "change_type: !kind material")
    found = problems(src)
    assert [p.split(":", 2)[1] for p in found] == ["2", "3", "4"], found
    assert "'2026-13-01' is not a real date" in found[1]
    assert "has the tag '!kind'" in found[2]
