"""Every option of the ``policy-site`` plugin is in the README's table for operators, with the
default the plugin really has: an option nobody can find is one nobody sets on purpose."""

from __future__ import annotations

import re

from policy_site.config import PolicySiteConfig
from testbed import REPO


def documented_options() -> dict[str, str]:
    """``name → default`` of the table's rows that say ``mkdocs.yml``, plugin option."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## For operators\n")[1].split("\n## ")[0]
    rows = re.findall(r"^\| `([a-z_]+)` \| `mkdocs\.yml`, plugin option \| ([^|]+) \|", section, re.M)
    return {name: default.strip() for name, default in rows}


def written_as_in_the_table(default: object) -> str:
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`"


def test_every_plugin_option_has_a_row_with_its_real_default() -> None:
    defaults = {name: written_as_in_the_table(option.default) for name, option in PolicySiteConfig._schema}
    assert documented_options() == defaults
