"""Whether a build is for publishing: the one rule that decides it.

A draft build (the default, and ``make run``) shows a site that still has placeholder facts with
a draft notice on every page; a build for publishing refuses it instead. The plugin's
``publish: true`` option or ``POLICY_PUBLISH=1`` in the environment asks for one: either is
enough, so a production pipeline can insist without editing ``mkdocs.yml``, and a project can
insist whatever the environment says.

Pure: no MkDocs import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from policy_site.errors import PolicySiteError

PUBLISH_ENV = "POLICY_PUBLISH"
TRUE, FALSE = "1", "0"


class PublishModeError(PolicySiteError):
    """``$POLICY_PUBLISH`` holds something other than 1 or 0."""


def resolve_publish(option: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """True when the option says so or ``$POLICY_PUBLISH`` is ``1``; ``0`` or unset is a draft.

    Any other value is refused rather than guessed at: a production build that silently became
    a draft would publish placeholders.
    """
    value = environ.get(PUBLISH_ENV, "")
    if value not in ("", TRUE, FALSE):
        raise PublishModeError(f"{PUBLISH_ENV}={value!r}: set it to {TRUE} to build for publishing "
                               f"(placeholders refused) or {FALSE}, or leave it unset, for a draft")
    return option or value == TRUE
