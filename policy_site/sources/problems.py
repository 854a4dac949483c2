"""What is wrong with the sources, each thing located at ``file:line`` for the editor who fixes it."""

from __future__ import annotations

from dataclasses import dataclass

from policy_site.errors import PolicySiteError


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the sources, located so an editor can go straight to it."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


class SourceError(PolicySiteError):
    """The sources cannot be built; ``problems`` lists every reason, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
