"""Checkpoints are C2SP tlog-checkpoint notes: origin, tree size, base64 root, extension lines."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from policy_core.checkpoint import Checkpoint, CheckpointInvalid, open_checkpoint, sign_checkpoint
from policy_core.merkle import EMPTY_ROOT
from policy_core.note import BadSignature, UnknownKey, parse_note
from policy_core.note_keys import Signer

EXAMPLE = yaml.safe_load((Path(__file__).parent / "fixtures" / "note" / "examples.yaml")
                         .read_text(encoding="utf-8"))["checkpoint"]
ROOT = bytes(range(32))


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.generate("consent.example.se/log")


def test_the_c2sp_example_reads_as_origin_size_and_root() -> None:
    text, (signature,) = parse_note(EXAMPLE["note"])
    checkpoint = Checkpoint.parse(text)
    assert checkpoint == Checkpoint(EXAMPLE["origin"], EXAMPLE["size"], base64.b64decode(EXAMPLE["root"]))
    assert checkpoint.text == text
    assert signature.name == EXAMPLE["origin"]


def test_a_checkpoint_is_three_lines_and_its_extensions() -> None:
    assert Checkpoint("log.example/a", 0, EMPTY_ROOT).text == (
        "log.example/a\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
    with_extensions = Checkpoint("log.example/a", 12, ROOT, ("ext one", "ext two"))
    assert with_extensions.text.endswith("\next one\next two\n")
    assert Checkpoint.parse(with_extensions.text) == with_extensions


@pytest.mark.parametrize(("text", "message"), [
    ("log\n5\n", "at least 3 lines"),
    ("log\n5\nAAEC\n", "32 bytes"),
    ("log\n05\n" + base64.b64encode(ROOT).decode() + "\n", "line 2: the tree size is a decimal"),
    ("log\n+5\n" + base64.b64encode(ROOT).decode() + "\n", "line 2"),
    ("log\n5 \n" + base64.b64encode(ROOT).decode() + "\n", "line 2"),
    ("log\n٥\n" + base64.b64encode(ROOT).decode() + "\n", "line 2"),
    ("log\n5\n" + base64.b64encode(ROOT).decode(), "ends with a newline"),
    ("log\n5\n" + base64.b64encode(ROOT).decode()[:-1] + "\n", "line 3: the root hash is base64"),
    ("log\n5\n" + base64.b64encode(ROOT).decode() + "\n\n", "extension line 4"),
    ("\n5\n" + base64.b64encode(ROOT).decode() + "\n", "the origin"),
    ("log\n18446744073709551616\n" + base64.b64encode(ROOT).decode() + "\n", "a tree size is an integer"),
])
def test_a_malformed_checkpoint_is_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(CheckpointInvalid, match=message):
        Checkpoint.parse(text)


def test_a_signed_checkpoint_opens_with_the_logs_key(signer: Signer) -> None:
    checkpoint = Checkpoint(signer.name, 1234, ROOT)
    note = sign_checkpoint(checkpoint, signer)
    assert note.startswith(checkpoint.text + "\n— consent.example.se/log ")
    assert open_checkpoint(note, signer.verifier) == checkpoint


def test_a_checkpoint_changed_or_signed_by_another_key_is_refused(signer: Signer) -> None:
    note = sign_checkpoint(Checkpoint(signer.name, 1234, ROOT), signer)
    with pytest.raises(BadSignature, match="the checkpoint's signature"):
        open_checkpoint(note.replace("\n1234\n", "\n1235\n"), signer.verifier)
    impostor = Signer.generate(signer.name)
    with pytest.raises(UnknownKey, match="the checkpoint is not signed by"):
        open_checkpoint(sign_checkpoint(Checkpoint(signer.name, 1234, ROOT), impostor), signer.verifier)


def test_a_checkpoint_of_another_origin_is_refused_even_if_the_key_signed_it(signer: Signer) -> None:
    with pytest.raises(CheckpointInvalid, match="named after its origin"):
        sign_checkpoint(Checkpoint("other.example/log", 1, ROOT), signer)
    note = sign_checkpoint(Checkpoint(signer.name, 1, ROOT), signer)
    with pytest.raises(CheckpointInvalid, match="is for log 'consent.example.se/log', expected "
                                                "'other.example/log'"):
        open_checkpoint(note, signer.verifier, origin="other.example/log")
