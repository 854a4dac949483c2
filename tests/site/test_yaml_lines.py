"""Reading YAML as editors write it: each mistake is a line and a message, never an exception."""

from __future__ import annotations

import datetime

import pytest

from policy_site.sources.yaml_lines import Unreadable, load_yaml

UNCONSTRUCTABLE = [
    ("a: 1\nday: 2027-02-30\n", 2,
     "'2027-02-30' is not a real date (day is out of range for month): write a date that exists, "
     "as YYYY-MM-DD"),
    ("month: 2027-13-01\n", 1, "'2027-13-01' is not a real date (month must be in 1..12)"),
    ("at: 2027-01-01T10:00:00+25:00\n", 1, "'2027-01-01T10:00:00+25:00' is not a real date (offset"),
    ("when: !!timestamp yesterday\n", 1, "'yesterday' cannot be read as a date: correct it, or put it "
     "in quotes if it is text"),
    ("data: !!binary a\n", 1, "'a' cannot be read as base64 data (failed to decode base64 data"),
    ("data: !!binary å\n", 1, "'å' cannot be read as base64 data (failed to convert base64 data into "
     "ascii"),
    ("flag: !!bool maybe\n", 1, "'maybe' cannot be read as true or false"),
    ("count: !!int\n", 1, "'' cannot be read as a whole number"),
    ("count: !!int ten\n", 1, "'ten' cannot be read as a whole number (invalid literal for int()"),
    ("share: !!float half\n", 1, "'half' cannot be read as a number (could not convert string"),
    ("name: !secret hunter2\n", 1, "'hunter2' has the tag '!secret', which is not allowed here: "
     "remove the tag (and put the value in quotes if it is text)"),
    ("run: !!python/object/apply:os.system [ls]\n", 1,
     "this list has the tag '!!python/object/apply:os.system', which is not allowed here"),
    ("text: !!str [a, b]\n", 1, "this list cannot be read as text (expected a scalar node"),
    ("table: !!map plain\n", 1, "'plain' cannot be read as a mapping (expected a mapping node"),
    ("items: !!omap [a]\n", 1, "this list cannot be read as an ordered mapping"),
    ("outer:\n  ? [a, b]\n  : c\n", 2, "this mapping cannot be read (a key is a list or a mapping: "
     "write each key as plain text)"),
    ("base:\n  <<: plain\n", 2, "this mapping cannot be read (expected a mapping or list of mappings "
     "for merging, but found scalar)"),
    ("loop: &self\n  - *self\n", 1, "this list cannot be read (it contains itself through an alias"),
]
"""(YAML text, line of the mistake, start of its message): each is a way PyYAML's loading fails."""


@pytest.mark.parametrize(("text", "line", "message"), UNCONSTRUCTABLE,
                         ids=[text.strip().replace("\n", " ") for text, _, _ in UNCONSTRUCTABLE])
def test_a_value_that_cannot_be_constructed_is_a_problem_at_its_line(
    text: str, line: int, message: str
) -> None:
    document = load_yaml(text)
    assert [p.line for p in document.problems] == [line]
    assert document.problems[0].message.startswith(message), document.problems[0].message


def test_every_unconstructable_value_is_reported_and_the_rest_is_kept() -> None:
    document = load_yaml("effective: 2027-02-30\npublished: 2026-12-01\nkind: !new x\n"
                         "list:\n  - 1\n  - !!int one\n")
    assert [p.line for p in document.problems] == [1, 3, 6]
    assert document.data == {
        "effective": Unreadable("2027-02-30"),
        "published": datetime.date(2026, 12, 1),
        "kind": Unreadable("x"),
        "list": [1, Unreadable("one")],
    }


def test_lines_count_from_where_the_text_starts_in_its_file() -> None:
    """Front matter starts on line 2 of its file, after the opening '---'."""
    document = load_yaml("title: x\neffective: 2027-02-30\n", first_line=2)
    assert document.lines[("effective",)] == 3
    assert [p.line for p in document.problems] == [3]


def test_the_line_of_every_key_is_known() -> None:
    document = load_yaml("categories:\n  - id: necessary\n    cookies:\n      - name: a\n")
    assert document.lines[("categories",)] == 1
    assert document.lines[("categories", 0, "id")] == 2
    assert document.lines[("categories", 0, "cookies", 0, "name")] == 4


def test_a_repeated_key_is_reported_where_it_repeats() -> None:
    document = load_yaml("title: a\nsummary: b\ntitle: c\n")
    assert [(p.line, p.message) for p in document.problems] == [(3, "key 'title' appears twice: keep one")]


def test_a_key_overriding_a_merged_one_is_no_duplicate() -> None:
    document = load_yaml("base: &base {a: 1, b: 2}\nderived:\n  <<: *base\n  b: 3\n")
    assert document.problems == []
    assert document.data["derived"] == {"a": 1, "b": 3}


def test_an_alias_to_an_unreadable_value_is_reported_once() -> None:
    document = load_yaml("a: &day 2027-02-30\nb: *day\n")
    assert [p.line for p in document.problems] == [1]
    assert document.data == {"a": Unreadable("2027-02-30"), "b": Unreadable("2027-02-30")}


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("a: [unclosed\n", 2, "expected ',' or ']', but got '<stream end>'"),
    ("a: 1\n b: 2\n", 2, "mapping values are not allowed here"),
    ("a: 1\n---\nb: 2\n", 2, "but found another document"),
    ("a: ok\nb: bell \x07\n", 2, "unacceptable character #x0007: special characters are not allowed"),
])
def test_a_syntax_error_is_one_problem_at_its_line(text: str, line: int, reason: str) -> None:
    document = load_yaml(text)
    assert document.data is None
    assert [(p.line, p.message) for p in document.problems] == [
        (line, f"not valid YAML ({reason}): check indentation and quoting")]


def test_nesting_too_deep_for_the_parser_is_a_problem_not_a_crash() -> None:
    document = load_yaml("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert document.data is None
    assert [(p.line, p.message) for p in document.problems] == [
        (1, "nested too deeply to read: flatten the lists and mappings")]


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_an_empty_text_has_no_data_and_no_problem(text: str) -> None:
    document = load_yaml(text)
    assert document.data is None
    assert document.problems == []
