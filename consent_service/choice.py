"""A visitor's choice, checked against the policy versions the site published.

Schema validation (``schema.py``) guarantees the shape; this module checks the
meaning: the version exists and has taken effect, the hashes are the published
ones, the categories are exactly that version's inventory, and the categories
agree with the action.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from policy_core.manifest import PublishedVersion
from policy_core.versions import History

from .errors import ApiError

ACTIONS = ("accept_all", "reject_all", "custom", "withdraw")
SOURCES = ("banner", "settings", "gpc")
OPT_OUT_ACTIONS = ("reject_all", "withdraw")


class InvalidChoice(ApiError):
    """The body is well formed but does not match what the site published."""

    status = 422


@dataclass(frozen=True)
class Choice:
    """A checked choice, ready to be recorded."""

    action: str
    categories: Mapping[str, bool]
    policy_version: str
    policy_language: str
    policy_sha256: str
    policy_text_sha256: str
    inventory: str
    source: str
    required: frozenset[str]
    """The categories the inventory requires: always true, so granting them grants nothing."""
    site: str | None = None
    """The origin of the page the choice was made on, as the request's verified ``Origin``
    header names it (``security.page_origin``), never as the body claims it."""

    @property
    def grants_optional(self) -> bool:
        """Whether the visitor allowed at least one optional category: only such a choice
        gets a visitor id, since a refusal needs nothing to be remembered by."""
        return any(allowed for name, allowed in self.categories.items() if name not in self.required)


def check_choice(
    body: Mapping[str, Any], history: History[PublishedVersion], site: str | None = None
) -> Choice:
    """Check a schema-valid body against the published versions as of today (``history``);
    ``site`` is where it was made."""
    policy = body["policy"]
    version = history.get(policy["version"])
    if version is None:
        raise InvalidChoice(
            "unknown_version",
            f"policy.version {policy['version']} is not published on this site.",
            field="policy.version",
        )
    if not history.has_taken_effect(version):
        raise InvalidChoice(
            "version_not_in_effect",
            f"policy.version {version.id} takes effect on {version.effective.isoformat()}; "
            "a choice can only refer to a version that is in effect or superseded.",
            field="policy.version",
        )
    edition = version.editions.get(policy["language"])
    if edition is None:
        languages = ", ".join(sorted(version.editions)) or "none"
        raise InvalidChoice(
            "unknown_language",
            f"policy.language: version {version.id} is not published in {policy['language']!r} "
            f"(published: {languages}).",
            field="policy.language",
        )
    if policy["sha256"] != edition.sha256:
        raise InvalidChoice(
            "hash_mismatch",
            f"policy.sha256 does not match the published source of version {version.id} "
            f"({policy['language']}).",
            field="policy.sha256",
        )
    if policy["text_sha256"] != edition.text_sha256:
        raise InvalidChoice(
            "hash_mismatch",
            f"policy.text_sha256 does not match the text version {version.id} "
            f"({policy['language']}) shows, published at {edition.text_url}.",
            field="policy.text_sha256",
        )
    inventory = version.inventory
    if inventory is None:
        raise InvalidChoice(
            "no_inventory",
            f"inventory: version {version.id} has no cookie inventory, so there is nothing to consent to.",
            field="inventory",
        )
    if body["inventory"] != inventory.sha256:
        raise InvalidChoice(
            "hash_mismatch",
            f"inventory does not match the published cookie inventory of version {version.id}.",
            field="inventory",
        )
    categories: Mapping[str, bool] = body["categories"]
    _check_categories(body["action"], body["source"], categories, inventory.categories, inventory.required)
    return Choice(
        action=body["action"],
        categories=MappingProxyType(dict(categories)),
        policy_version=version.id,
        policy_language=policy["language"],
        policy_sha256=policy["sha256"],
        policy_text_sha256=policy["text_sha256"],
        inventory=inventory.sha256,
        source=body["source"],
        required=frozenset(inventory.required),
        site=site,
    )


def _check_categories(
    action: str,
    source: str,
    categories: Mapping[str, bool],
    known: tuple[str, ...],
    required: frozenset[str],
) -> None:
    for name in categories:
        if name not in known:
            raise InvalidChoice(
                "unknown_category",
                f"categories.{name} is not in this version's cookie inventory ({', '.join(known)}).",
                field=f"categories.{name}",
            )
    for name in known:
        if name not in categories:
            raise InvalidChoice(
                "missing_category",
                f"categories.{name} is missing; give every category of the inventory.",
                field=f"categories.{name}",
            )
    for name in known:
        if name in required and categories[name] is not True:
            raise InvalidChoice(
                "required_category",
                f"categories.{name} is required by the site and must be true.",
                field=f"categories.{name}",
            )
    for name in known:
        expected = _expected_state(action, name in required)
        if expected is not None and categories[name] is not expected:
            raise InvalidChoice(
                "contradicts_action",
                f"categories.{name} is {str(categories[name]).lower()}, but {action} means "
                f"it must be {str(expected).lower()}.",
                field=f"categories.{name}",
            )
    if source == "gpc" and action not in OPT_OUT_ACTIONS:
        raise InvalidChoice(
            "contradicts_action",
            f"source gpc records a Global Privacy Control opt-out, so the action must be "
            f"{' or '.join(OPT_OUT_ACTIONS)}, not {action}.",
            field="source",
        )


def _expected_state(action: str, required: bool) -> bool | None:
    if action == "accept_all" or required:
        return True
    if action in OPT_OUT_ACTIONS:
        return False
    return None
