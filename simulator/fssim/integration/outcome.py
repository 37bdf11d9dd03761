"""What the integration rules did with one message, in a form the receiver can answer with and keep."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fssim.integration.crm import RecordRef

__all__ = ["IgnoredTrait", "Outcome", "Result"]

Result = Literal["created", "updated", "activity_added", "not_processed", "rejected"]

_RESULTS: tuple[Result, ...] = ("created", "updated", "activity_added", "not_processed", "rejected")


@dataclass(frozen=True)
class IgnoredTrait:
    """A trait the mapping did not apply (R7), and why, so the user can fix their tracking code."""

    trait: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"trait": self.trait, "reason": self.reason}


@dataclass(frozen=True)
class Outcome:
    """One message's fate: the HTTP status the receiver answers with, and what changed.

    ``field`` names the offending field of a rejected message (``traits.email``, ``event``…);
    ``rule`` names the rule that decided (``R4``…); ``replayed`` is not part of the body, so a replay's
    answer is byte-for-byte the first one.
    """

    result: Result
    status: int
    reason: str
    record: RecordRef | None = None
    ignored: tuple[IgnoredTrait, ...] = ()
    changed: tuple[str, ...] = ()
    field: str | None = None
    rule: str | None = None
    replayed: bool = False  # R10: the first answer to this messageId, given again

    @property
    def ignored_traits(self) -> list[str]:
        return [item.trait for item in self.ignored]

    def to_json(self) -> dict[str, Any]:
        """The receiver's response body: ``message`` first, as Segment's debugger shows it."""
        body: dict[str, Any] = {
            "message": self.reason,
            "result": self.result,
            "rule": self.rule,
            "record": self.record.to_json() if self.record else None,
            "changed_fields": list(self.changed),
            "ignored_traits": [item.to_json() for item in self.ignored],
        }
        if self.field is not None:
            body["field"] = self.field
        return body

    @classmethod
    def from_json(cls, status: int, body: Mapping[str, Any]) -> Outcome:
        result = body.get("result")
        if result not in _RESULTS:
            raise ValueError(f"not an outcome body: result={result!r}")
        record = body.get("record")
        return cls(
            result=result,
            status=status,
            reason=str(body.get("message", "")),
            record=RecordRef.from_json(record) if record else None,
            ignored=tuple(IgnoredTrait(i["trait"], i["reason"]) for i in body.get("ignored_traits", [])),
            changed=tuple(body.get("changed_fields", [])),
            field=body.get("field"),
            rule=body.get("rule"),
        )
