"""What the last ``policy-site publish`` did, kept in a small file beside the link it swaps.

The publish runs as a daily job in a process of its own; the consent service, which reads the
site through the same link, reports that job's result and age (``/metrics``) from this file. It
is written to a temporary name and renamed over the last one, so a reader sees one report whole,
never half of one. It sits beside the link, not in a build, so the web server never serves it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from policy_core.errors import CoreError

Result = Literal["published", "unchanged", "refused"]
RESULTS: tuple[Result, ...] = ("published", "unchanged", "refused")
"""A new build is served; the build was identical to the one served; nothing was published."""
MAX_MESSAGE = 2000
"""Characters of a refusal kept: enough for its first problems; the job's log has them all."""


class ReportError(CoreError):
    """A report file that cannot be read as one; the message names the file."""


@dataclass(frozen=True)
class PublishReport:
    finished_at: dt.datetime
    """When the publish ended (UTC)."""
    result: Result
    as_of: dt.date | None
    """The day it published as of; ``None`` when it was refused before it knew."""
    current: str | None
    """The version the served site shows as current after it."""
    last_success: dt.datetime | None
    """When a publish last ended published or unchanged, this one or an earlier one."""
    message: str = ""


def report_path(link: Path) -> Path:
    """Where the report for the site served through ``link`` is kept."""
    return link.with_name(f".{link.name}.publish.json")


def write_report(link: Path, report: PublishReport) -> None:
    """Replace the report beside ``link`` with ``report``, in one rename."""
    path = report_path(link)
    staged = path.with_name(f"{path.name}.{os.getpid()}")
    data = {
        "finished_at": _moment(report.finished_at),
        "result": report.result,
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "current": report.current,
        "last_success": _moment(report.last_success) if report.last_success else None,
        "message": report.message[:MAX_MESSAGE],
    }
    staged.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(staged, path)


def read_report(link: Path) -> PublishReport | None:
    """The last report beside ``link``; ``None`` when no publish has written one."""
    path = report_path(link)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ReportError(f"{path}: cannot be read: {error}") from None
    try:
        data = json.loads(text)
        if data["result"] not in RESULTS:
            raise ValueError(f"result {data['result']!r} is not one of {', '.join(RESULTS)}")
        return PublishReport(
            finished_at=dt.datetime.fromisoformat(data["finished_at"]),
            result=data["result"],
            as_of=dt.date.fromisoformat(data["as_of"]) if data["as_of"] else None,
            current=data["current"],
            last_success=dt.datetime.fromisoformat(data["last_success"]) if data["last_success"] else None,
            message=str(data["message"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ReportError(f"{path}: not a publish report: {error}") from None


def _moment(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
