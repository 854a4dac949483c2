"""The log signs notes as C2SP signed-note specifies, with Ed25519, and verifies nothing else.

The published examples (tests/core/fixtures/note/examples.yaml) verify and sign to the same bytes;
a note changed anywhere, or signed by another key, does not verify.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
import yaml

from policy_core.errors import CoreError
from policy_core.note import (
    MAX_SIGNATURES,
    BadSignature,
    MalformedNote,
    UnknownKey,
    add_signature,
    open_note,
    parse_note,
    sign_note,
)
from policy_core.note_keys import MalformedKey, NoteError, Signer, Verifier, key_id

EXAMPLES = yaml.safe_load((Path(__file__).parent / "fixtures" / "note" / "examples.yaml")
                          .read_text(encoding="utf-8"))
C2SP, GO = EXAMPLES["c2sp"], EXAMPLES["go"]


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.generate("consent.example.se/log")


# The published examples

def test_the_c2sp_example_note_verifies_with_its_vkey() -> None:
    note = open_note(C2SP["note"], Verifier.from_vkey(C2SP["vkey"]))
    assert note.text == C2SP["text"]
    assert [s.name for s in note.verified] == ["example.com/foo"] and note.unverified == ()


def test_signing_the_go_example_with_its_skey_gives_the_published_note() -> None:
    signer = Signer.from_skey(GO["skey"])
    assert signer.verifier.vkey == GO["vkey"]
    assert signer.skey == GO["skey"]
    assert sign_note(GO["text"], signer) == GO["note"]
    assert open_note(GO["note"], Verifier.from_vkey(GO["vkey"])).text == GO["text"]


def test_a_text_with_blank_lines_is_split_from_its_signatures_at_the_last_one() -> None:
    text, (signature,) = parse_note(EXAMPLES["quasimodo"]["note"])
    assert text == EXAMPLES["quasimodo"]["text"]
    assert signature.name == "quasimodo.example/salvatore"
    with pytest.raises(UnknownKey):
        open_note(EXAMPLES["quasimodo"]["note"], Verifier.from_vkey(C2SP["vkey"]))


# Keys

def test_the_key_id_is_the_start_of_the_sha256_of_name_newline_type_and_key(signer: Signer) -> None:
    public = signer.verifier.public_key
    expected = hashlib.sha256(signer.name.encode() + b"\n\x01" + public).digest()[:4]
    assert key_id(signer.name, public) == expected
    encoded = base64.b64encode(b"\x01" + public).decode()
    assert signer.verifier.vkey == f"{signer.name}+{expected.hex()}+{encoded}"


def test_a_key_round_trips_through_its_text_forms(signer: Signer) -> None:
    assert Verifier.from_vkey(signer.verifier.vkey) == signer.verifier
    assert Signer.from_skey(signer.skey).verifier == signer.verifier
    assert signer.skey.startswith(f"PRIVATE+KEY+{signer.name}+{signer.verifier.key_id.hex()}+")


def test_a_signer_never_shows_its_private_key(signer: Signer) -> None:
    # PRIVATE+KEY+<name>+<key hash>+<base64 key>: base64 itself may hold "+", so split from the left.
    secret = signer.skey.split("+", 4)[4]
    assert len(secret) > 20
    assert secret not in repr(signer) and secret not in str(signer)
    with pytest.raises(MalformedKey) as error:
        Signer.from_skey(signer.skey[:-4] + "AAA=")
    assert secret[:20] not in str(error.value)


@pytest.mark.parametrize(("vkey", "message"), [
    ("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "does not match"),
    ("example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "does not match"),
    ("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "8 lowercase hex"),
    ("example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "only Ed25519"),
    ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2", "not base64"),
    ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3Q==", "32 bytes"),
    ("example.com/foo", "a vkey is <key name>"),
    ("exa mple+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "a key name"),
    ("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "a key name"),
])
def test_a_malformed_vkey_is_refused_saying_why(vkey: str, message: str) -> None:
    with pytest.raises(MalformedKey, match=message):
        Verifier.from_vkey(vkey)


@pytest.mark.parametrize("name", ["", "with space", "a+b", "tab\there", "nbsp\u00a0here", "line\n"])
def test_a_key_name_has_no_spaces_and_no_plus(name: str) -> None:
    with pytest.raises(MalformedKey):
        Signer.generate(name)


# Signing and verifying

def test_a_signed_note_is_the_text_a_blank_line_and_one_line_per_signature(signer: Signer) -> None:
    other = Signer.generate("witness.example/w1")
    note = sign_note("two\nlines\n", signer, other)
    text, block = note.split("\n\n")
    assert text == "two\nlines"
    lines = block.splitlines()
    assert [line.split(" ")[:2] for line in lines] == [["—", signer.name], ["—", other.name]]
    raw = base64.b64decode(lines[0].split(" ")[2])
    assert raw[:4] == signer.verifier.key_id and len(raw) == 4 + 64
    assert signer.verifier.verifies(b"two\nlines\n", raw[4:])


def test_signatures_by_unknown_keys_are_ignored_but_one_known_key_must_have_signed(signer: Signer) -> None:
    witness = Signer.generate("witness.example/w1")
    note = open_note(sign_note("text\n", witness, signer), signer.verifier)
    assert [s.name for s in note.verified] == [signer.name]
    assert [s.name for s in note.unverified] == [witness.name]


def test_a_note_signed_by_another_key_is_refused_naming_both(signer: Signer) -> None:
    other = Signer.generate("other.example/log")
    with pytest.raises(UnknownKey) as error:
        open_note(sign_note("text\n", other), signer.verifier, kind="checkpoint")
    message = str(error.value)
    assert f"the checkpoint is not signed by {signer.name}+{signer.verifier.key_id.hex()}" in message
    assert f"it is signed by {other.name}+{other.verifier.key_id.hex()}" in message


def test_another_key_under_the_same_name_does_not_verify(signer: Signer) -> None:
    impostor = Signer.generate(signer.name)
    with pytest.raises(UnknownKey):
        open_note(sign_note("text\n", impostor), signer.verifier)


def test_a_known_keys_signature_that_fails_rejects_the_note(signer: Signer) -> None:
    note = sign_note("the text\n", signer)
    with pytest.raises(BadSignature, match=f"signature by {signer.name}\\+{signer.verifier.key_id.hex()} "
                                           "does not verify"):
        open_note(note.replace("the text", "the test"), signer.verifier)


def test_changing_any_single_character_of_the_c2sp_example_makes_it_fail() -> None:
    verifier = Verifier.from_vkey(C2SP["vkey"])
    note = C2SP["note"]
    for position, character in enumerate(note):
        replacement = "B" if character != "B" else "C"
        with pytest.raises(NoteError):
            open_note(note[:position] + replacement + note[position + 1:], verifier)


@pytest.mark.parametrize(("note", "message"), [
    ("text\n— example.com/foo AAAA\n", "no blank line"),
    ("text\n\n— example.com/foo AAAAAAAA", "does not end with a newline"),
    ("text\n\nexample.com/foo AAAAAAAA\n", "line 3 of the note is not a signature line"),
    ("text\n\n— example.com/foo\n", "expected a key name and a signature"),
    ("text\n\n—  AAAAAAAA\n", "expected a key name and a signature"),
    ("text\n\n— example.com/foo AAAA\n", "a 4-byte key ID and the signature"),
    ("text\n\n— example.com/foo AAAAAAB=\n", "not canonical base64"),
    ("text\n\n— example.com/foo AAAA AAAA\n", "not base64"),
    ("te\txt\n\n— example.com/foo AAAAAAAA\n", "line 1 of the note holds the control character"),
    ("text\r\n\n— example.com/foo AAAAAAAA\n", "control character"),
    (b"t\xffext\n\n\xe2\x80\x94 example.com/foo AAAAAAAA\n", "not UTF-8"),
])
def test_a_malformed_note_is_refused_saying_what_is_wrong(note: str | bytes, message: str) -> None:
    with pytest.raises(MalformedNote, match=message):
        parse_note(note)


def test_a_note_with_too_many_signatures_or_bytes_is_not_read(signer: Signer) -> None:
    line = sign_note("x\n", signer).split("\n\n")[1]
    with pytest.raises(MalformedNote, match=f"at most {MAX_SIGNATURES}"):
        parse_note("x\n\n" + line * (MAX_SIGNATURES + 1))
    assert len(parse_note("x\n\n" + line * 16)[1]) == 16
    with pytest.raises(MalformedNote, match="longer than"):
        parse_note("x" * 70_000 + "\n\n" + line)


@pytest.mark.parametrize("text", ["no final newline", "", "bell\x07\n"])
def test_only_a_text_ending_in_a_newline_without_control_characters_is_signed(
        signer: Signer, text: str) -> None:
    with pytest.raises(MalformedNote):
        sign_note(text, signer)


def test_note_errors_are_core_errors() -> None:
    for error in (MalformedNote, MalformedKey, UnknownKey, BadSignature):
        assert issubclass(error, NoteError) and issubclass(error, CoreError)


def test_a_signature_added_later_covers_the_same_text_and_keeps_the_first() -> None:
    first, second = Signer.generate("log.example/one"), Signer.generate("log.example/one")
    note = sign_note("log.example/one\n5\nAAAA\n", first)
    both = add_signature(note, second)
    assert both.startswith(note), "the earlier signature stays as it was"
    assert open_note(both, first.verifier).text == open_note(both, second.verifier).text
    assert [s.key_id for s in parse_note(both)[1]] == [first.verifier.key_id, second.verifier.key_id]
