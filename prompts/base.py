"""Prompt templates that declare their inputs and refuse to build with one missing.

A template is checked twice: when it is defined (the placeholders in the text must be
exactly the declared inputs, so a typo in either fails at import) and when it is built
(every declared input must be given, and nothing else). Literal braces are written `{{ }}`.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Literal

Role = Literal["system", "user", "assistant"]


class PromptInputError(ValueError):
    """A prompt was built with a missing or an unexpected input."""


def _placeholders(text: str) -> set[str]:
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is None:
            continue
        if not field.isidentifier():
            raise ValueError(f"placeholder {{{field}}} is not a plain name")
        names.add(field)
    return names


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    template: str
    inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        found = _placeholders(self.template)
        if found != set(self.inputs):
            raise ValueError(
                f"prompt {self.name!r}: placeholders {sorted(found)} "
                f"!= declared inputs {sorted(self.inputs)}"
            )

    def format(self, **values: object) -> str:
        missing = [k for k in self.inputs if k not in values or values[k] is None]
        if missing:
            raise PromptInputError(f"prompt {self.name!r} is missing inputs: {missing}")
        extra = sorted(set(values) - set(self.inputs))
        if extra:
            raise PromptInputError(f"prompt {self.name!r} got unexpected inputs: {extra}")
        return self.template.format(**values)


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str

    def to_openai(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class ChatPrompt:
    """A system template plus a user template; `messages()` builds both."""

    name: str
    system: PromptTemplate
    user: PromptTemplate

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.system.inputs + self.user.inputs))

    def messages(self, **values: object) -> list[ChatMessage]:
        missing = [k for k in self.inputs if k not in values or values[k] is None]
        if missing:
            raise PromptInputError(f"prompt {self.name!r} is missing inputs: {missing}")
        extra = sorted(set(values) - set(self.inputs))
        if extra:
            raise PromptInputError(f"prompt {self.name!r} got unexpected inputs: {extra}")
        sys_vals = {k: values[k] for k in self.system.inputs}
        user_vals = {k: values[k] for k in self.user.inputs}
        return [
            ChatMessage("system", self.system.format(**sys_vals)),
            ChatMessage("user", self.user.format(**user_vals)),
        ]
