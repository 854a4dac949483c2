"""A version's own facts (``versions/<id>/facts.yml``) for the tests: the company's real facts
as the next version gives them, writing a facts file as an editor does, and the project's
sources loaded with paths from its root."""

from __future__ import annotations

import json
from pathlib import Path

from policy_site.sources import PolicySources, load_sources

FACTS = "policy_src/policy.yml"
LOCK = "policy_src/versions.lock"
CURRENT = "policy_src/versions/2026-11-01"
UPCOMING = "policy_src/versions/2027-01-01"
OWN_FACTS = f"{UPCOMING}/facts.yml"

COMPANY = {
    "controller.name": "Exempel Integritet AB",
    "controller.org_number": "556677-8899",
    "controller.address": "Storgatan 1, 111 22 Stockholm",
    "controller.email": "integritet@exempel.se",
    "controller.phone": "+46 8 123 45 67",
}
TRANSFERS = {
    f"transfers.{kind}": f"{supplier}; the data is processed in Sweden and not transferred to a "
                         "third country."
    for kind, supplier in [("hosting", "Drift AB"), ("messaging", "Utskick AB"),
                           ("support_system", "Stöd AB"), ("accounting", "Bokföring AB"),
                           ("consultants", "Konsult AB")]
}


def facts_yml(values: dict[str, str]) -> str:
    """``values`` (dotted key → text) as a facts file, grouped as an editor writes it."""
    lines, group = ["# What this version says differently from policy.yml."], None
    for key, value in values.items():
        parent, name = key.split(".")
        if parent != group:
            lines.append(f"{parent}:")
            group = parent
        lines.append(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def give(project: Path, text: str, path: str = OWN_FACTS) -> Path:
    target = project / path
    target.write_text(text, encoding="utf-8")
    return target


def load(project: Path) -> PolicySources:
    return load_sources(project / "policy_src", display_base=project)


def fill_in_the_site_s_own_facts(project: Path) -> None:
    """``site.*``: no version names them, so they are filled in in policy.yml at any time."""
    path = project / FACTS
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("https://PLACEHOLDER.example/", "https://integritet.exempel.se/")
                    .replace("PLACEHOLDER.example,2018", "exempel.se,2018"), encoding="utf-8")
