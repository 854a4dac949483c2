"""A scan's result for people (text) and for programs (JSON, its shape documented in the README)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from policy_core.versions import Inventory
from policy_site.scan.compare import (
    Action,
    Cookie,
    Finding,
    Item,
    Kind,
    Observation,
    State,
    category_of,
    lifetime,
)
from policy_site.scan.target import Target


@dataclass(frozen=True)
class PageScan:
    """One scanned page: what it was compared with, what was observed, what was found."""

    url: str
    target: Target
    observations: tuple[Observation, ...]
    findings: tuple[Finding, ...]
    expected_origins: frozenset[str]

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.problem]


def label(state: State) -> str:
    if state.action is Action.NONE:
        return "before a choice"
    if state.action is Action.REJECT_ALL:
        return "after Reject all"
    if state.action is Action.ACCEPT_ALL:
        return "after Accept all"
    return f"after accepting {', '.join(sorted(state.accepted))} only"


def message(finding: Finding, scan: PageScan) -> str:
    """What the finding means and where it was seen, in one line."""
    labels = {o.state.id: label(o.state) for o in scan.observations}
    where = ", ".join(labels.get(s, s) for s in finding.states)
    version = scan.target.version
    category = finding.category
    text = {
        Kind.UNDECLARED: f"{finding.subject} is not declared in the inventory of version {version}",
        Kind.BEFORE_CHOICE: f"{finding.subject} ({category}) is set before any choice",
        Kind.WITHOUT_CONSENT: f"{finding.subject} is present without consent to {category}",
        Kind.REQUEST_WITHOUT_CONSENT: f"request to another origin, {finding.subject}, "
                                      "without any consent",
        Kind.REQUEST_WITH_CONSENT: f"requests to another origin, {finding.subject}",
        Kind.NO_SWITCH: f"the banner's settings have no switch for category {finding.subject} "
                        f"of version {version}",
        Kind.OTHER_INVENTORY: f"the banner asks about inventory {finding.subject}, not version "
                              f"{version}'s {_inventory_sha(scan.target)}: it is configured for "
                              "another version",
    }[finding.kind]
    return f"{text}: {where}"


def render_text(scans: Sequence[PageScan]) -> str:
    lines: list[str] = []
    for scan in scans:
        target = scan.target
        lines += [scan.url, f"  compared with version {target.version} ({target.status}) "
                            f"of {target.manifest_url}"]
        for observation in scan.observations:
            lines.append(f"  {label(observation.state)}")
            if observation.switch_missing:
                lines.append("    not observed: the banner has no switch for this category")
                continue
            lines += [f"    {_item_line(item, target.inventory, observation.time)}"
                      for item in observation.items] or ["    nothing stored"]
            others = [f"{o} ({n})" for o, n in observation.requests.items()
                      if o not in scan.expected_origins]
            lines.append(f"    requests to other origins: {', '.join(others) or 'none'}")
        lines.append("")
    for title, problem in (("problems", True), ("information", False)):
        found = [f"  {scan.url}: {message(f, scan)}"
                 for scan in scans for f in scan.findings if f.problem is problem]
        if found:
            lines += [f"{title}:", *found]
    count = sum(len(scan.problems) for scan in scans)
    pages = f"{len(scans)} page(s)"
    lines.append(f"scan: {count} problem(s) on {pages}" if count else f"scan: no problems on {pages}")
    return "\n".join(lines)


def render_json(scans: Sequence[PageScan]) -> str:
    count = sum(len(scan.problems) for scan in scans)
    return json.dumps({"ok": count == 0, "problems": count,
                       "pages": [_page_json(scan) for scan in scans]}, indent=2, ensure_ascii=False)


def _page_json(scan: PageScan) -> dict[str, Any]:
    target = scan.target
    return {
        "url": scan.url,
        "policy": {"manifest": target.manifest_url, "version": target.version,
                   "status": target.status, "inventory": _inventory_sha(target)},
        "states": [_state_json(o, target.inventory) for o in scan.observations],
        "findings": [{"kind": str(f.kind), "problem": f.problem, "subject": f.subject,
                      "states": list(f.states), "category": f.category,
                      "message": message(f, scan)} for f in scan.findings],
    }


def _state_json(observation: Observation, inventory: Inventory | None) -> dict[str, Any]:
    state = observation.state
    return {
        "id": state.id,
        "action": str(state.action),
        "accepted": sorted(state.accepted),
        "observed": not observation.switch_missing,
        "cookies": [{"name": c.name, "domain": c.domain, "path": c.path,
                     "expires": _timestamp(c.expires), "http_only": c.http_only,
                     "secure": c.secure, "same_site": c.same_site,
                     "category": category_of(inventory, c)} for c in observation.cookies],
        "storage": [{"storage": s.storage, "origin": s.origin, "name": s.name,
                     "category": category_of(inventory, s)} for s in observation.storage],
        "requests": dict(observation.requests),
        "banner_inventory": observation.banner_inventory,
    }


def _item_line(item: Item, inventory: Inventory | None, now: float) -> str:
    category = category_of(inventory, item) or "NOT DECLARED"
    if not isinstance(item, Cookie):
        return f"{item.storage} {item.name}  {item.origin}  [{category}]"
    kept = lifetime(item, now)
    expiry = "session" if kept is None else f"expires {_timestamp(item.expires)} ({_span(kept)})"
    flags = [flag for flag, on in (("HttpOnly", item.http_only), ("Secure", item.secure)) if on]
    return (f"cookie {item.name}  {item.domain} {item.path}  {expiry}  "
            f"{' '.join([*flags, f'SameSite={item.same_site}'])}  [{category}]")


def _span(kept: dt.timedelta) -> str:
    if kept >= dt.timedelta(days=2):
        return f"{round(kept / dt.timedelta(days=1))} days"
    if kept >= dt.timedelta(hours=2):
        return f"{round(kept / dt.timedelta(hours=1))} hours"
    return f"{round(kept / dt.timedelta(minutes=1))} minutes"


def _timestamp(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(round(seconds), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _inventory_sha(target: Target) -> str | None:
    return target.inventory.sha256 if target.inventory else None
