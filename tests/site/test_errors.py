"""Every mistake the site generator reports is one kind of error, so a command reports it in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_site.errors import PolicySiteError
from policy_site.sources import load_sources


def test_broken_sources_are_a_policy_site_error_carrying_file_and_line(project: Path) -> None:
    src = project / "policy_src"
    (src / "policy.yml").write_text("controller:\n  name: A\n  name: B\n", encoding="utf-8")
    with pytest.raises(PolicySiteError) as caught:
        load_sources(src, display_base=src)
    assert "policy.yml:3: key 'name' appears twice: keep one" in str(caught.value).split("\n")
