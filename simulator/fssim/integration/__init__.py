"""The Freshsales destination's integration rules (DESIGN §2, R4-R10), pure and property-tested.

No HTTP and no storage here: :func:`apply` takes one Segment message and a :class:`CRM` (one account)
and returns an :class:`Outcome`. ``fssim.freshsales`` uses this package; it imports neither
``fssim.freshsales`` nor ``fssim.segment``.
"""

from fssim.integration.crm import CRM, CRMConflict, CustomField, Entity, FieldType, RecordRef
from fssim.integration.emails import is_email, normalize_email
from fssim.integration.mapping import MappedTraits, is_fs_contact, map_traits, snake_case
from fssim.integration.message import Problem, check_message, event_time, event_time_text, json_kind
from fssim.integration.outcome import IgnoredTrait, Outcome, Result
from fssim.integration.rules import activity_for, apply, match_record, timeline_time
from fssim.integration.values import coerce_value

__all__ = [
    "CRM",
    "CRMConflict",
    "CustomField",
    "Entity",
    "FieldType",
    "IgnoredTrait",
    "MappedTraits",
    "Outcome",
    "Problem",
    "RecordRef",
    "Result",
    "activity_for",
    "apply",
    "check_message",
    "coerce_value",
    "event_time",
    "event_time_text",
    "is_email",
    "is_fs_contact",
    "json_kind",
    "map_traits",
    "match_record",
    "normalize_email",
    "snake_case",
    "timeline_time",
]
