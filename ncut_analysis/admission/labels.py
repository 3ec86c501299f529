"""Codes and their Chinese labels: statuses, reasons, scored items and 複查 changes.

Meaning travels as a code (``status``, ``reason_code``, ``change``); a view counts by code and
shows the label. Nothing here is parsed back.
"""

from __future__ import annotations

from types import MappingProxyType

# Statuses and modes are every view's: one table for the package (label_tables/common.toml).
from ..labels import LABELS, MODE_LABELS, STATUS_LABELS

__all__ = [
    "STATUS_LABELS",
    "REASON_LABELS",
    "REASON_GROUPS",
    "GROUP_LABELS",
    "reason_label",
    "reason_text",
    "ITEM_LABELS",
    "CHANGE_LABELS",
    "RESULT_LABELS",
    "MODE_LABELS",
]


_TEXT = LABELS["admission_reason_text"]
# The reasons as the brochure names them (what a reader sees first, and what tables count),
# in the label table's order.
GROUP_LABELS = LABELS["admission_reason_group"]

# Each reason code: its brochure reason (a key of GROUP_LABELS); its own words are in the label
# table (``[admission_reason]``).
_REASONS = {
    "excluded": "excluded",
    "birth_date_missing": "ineligible",
    "over_age": "ineligible",
    "under_age": "ineligible",
    "written_absent": "zero_or_absent",
    "not_invited": "not_invited",
    "interview_absent": "zero_or_absent",
    "review_absent": "zero_or_absent",
    "no_documents": "zero_or_absent",
    "review_total_zero": "zero_or_absent",
    "below_minimum": "below_minimum",
    "tied_at_quota": "tied_at_quota",
    "beyond_waitlist": "beyond_waitlist",
}
# In the order of precedence: when several reasons apply, the first is the applicant's (README,
# "Readings of the brochure"): the office's decision by hand, then 報考資格 (參), then the exam
# (柒.四 and 陸.一(二)) in the order it happens, then the reasons of ranked applicants (柒.一, 柒.二).
REASON_GROUPS = MappingProxyType(dict(_REASONS))
_OWN = LABELS["admission_reason"]
REASON_LABELS = MappingProxyType(
    {
        c: _TEXT["with_own"].format(group=GROUP_LABELS[g], own=_OWN[c])
        if c in _OWN
        else GROUP_LABELS[g]
        for c, g in _REASONS.items()
    }
)

ITEM_LABELS = LABELS["admission_item"]
CHANGE_LABELS = LABELS["admission_change"]
# 附表一's 處理結果 of a 成績複查, per applicant listed by ``admission_diff``.
RESULT_LABELS = LABELS["admission_result"]


def reason_text(key: str, **values: object) -> str:
    """A reason's detail or a 比序 phrase, from the label table (``[admission_reason_text]``)."""
    return _TEXT[key].format(**values)


def reason_label(code: str, detail: str = "") -> str:
    """What a reader sees for a reason: the brochure's name first, then the code's own words
    and the applicant's detail: 「不符報考資格：超過年齡上限（1991-01-01 以前出生）」,
    「未達最低錄取標準：60 分」, 「招生單位不予錄取：已錄取他校未放棄」."""
    label = REASON_LABELS[code]
    if not detail:
        return label
    key = "with_detail" if label != GROUP_LABELS[REASON_GROUPS[code]] else "group_detail"
    return _TEXT[key].format(label=label, detail=detail)
