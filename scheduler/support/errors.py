"""One error hierarchy for qm; the CLI turns these into messages and exit codes.

    QmError                 anything qm reports to a person (message in Chinese)
    ├── InputError          bad input the user can fix: exit code 2
    │   ├── ConfigError     config.yaml
    │   ├── ContentError    the content library
    │   ├── TemplateError   a Jinja2 template
    │   ├── PlanError       the plan cannot be made (e.g. not enough content)
    │   └── PosterError     a poster cannot be made as asked (text too long, no CJK font, size limit)
    └── RuntimeFailure      something outside failed (disk, network): exit code 1

An `InputError` may carry several `Problem`s so that a check reports everything at once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: what, where (file:line, key or post id) and how to fix it."""

    message: str
    where: str = ""
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.where}：{self.message}" if self.where else self.message
        return f"{text}（{self.hint}）" if self.hint else text


class QmError(Exception):
    exit_code = 1

    def __init__(self, message: str = "", problems: list[Problem] | None = None) -> None:
        self.problems = list(problems or [])
        if not message and self.problems:
            message = str(self.problems[0]) if len(self.problems) == 1 else f"发现 {len(self.problems)} 个问题"
        super().__init__(message)
        self.after = ""  # a line said after the problems: what they stop, and why

    def lines(self) -> list[str]:
        """What a person reads: one line per problem."""
        if not self.problems:
            lines = [str(self)]
        elif len(self.problems) == 1:
            lines = [str(self.problems[0])]
        else:
            lines = [f"{self!s}："] + [f"  - {p}" for p in self.problems]
        return [*lines, self.after] if self.after else lines


class InputError(QmError):
    exit_code = 2


class ConfigError(InputError):
    pass


class ContentError(InputError):
    pass


class TemplateError(InputError):
    pass


class PlanError(InputError):
    pass


class PosterError(InputError):
    pass


class PicturesNotApproved(QmError):
    """The pictures a post's inputs draw now are not those of its approved version: it goes back to review."""


class PosterRedrawn(QmError):
    """A poster was drawn again each time its file was read to be sent (drawing ahead at that moment): try later."""


class RuntimeFailure(QmError):
    exit_code = 1
