"""Codes and their Chinese labels: statuses, reasons, scored items and 複查 changes.

Meaning travels as a code (``status``, ``reason_code``, ``change``); a view counts by code and
shows the label. Nothing here is parsed back.
"""

from __future__ import annotations

from types import MappingProxyType

# Statuses and modes are every view's: one table for the package (label_tables/common.toml).
from ..labels import MODE_LABELS, STATUS_LABELS

__all__ = [
    "STATUS_LABELS",
    "REASON_LABELS",
    "REASON_GROUPS",
    "GROUP_LABELS",
    "reason_label",
    "ITEM_LABELS",
    "CHANGE_LABELS",
    "RESULT_LABELS",
    "MODE_LABELS",
]


# The reasons as the brochure names them (what a reader sees first, and what tables count).
GROUP_LABELS = MappingProxyType(
    {
        "excluded": "招生單位不予錄取",  # 肆.四(十七), 玖.四(三): the committee's decision
        "ineligible": "不符報考資格",  # 參.一, 參.二(一)
        "zero_or_absent": "柒.四 成績為零或缺考",
        "not_invited": "未獲面試",  # 陸.一(二)1
        "below_minimum": "未達最低錄取標準",  # 柒.一
        "tied_at_quota": "同分增額錄取",
        "beyond_waitlist": "超出備取名額",
    }
)

# Each reason code: its brochure reason (a key of GROUP_LABELS) and its own words.
_REASONS = {
    "excluded": ("excluded", ""),
    "birth_date_missing": ("ineligible", "缺出生日期（無法檢核 15–29 歲）"),
    "over_age": ("ineligible", "超過年齡上限"),
    "under_age": ("ineligible", "未滿 15 歲"),
    "written_absent": ("zero_or_absent", "筆試缺考或 0 分"),
    "not_invited": ("not_invited", "筆試未達面試篩選"),
    "interview_absent": ("zero_or_absent", "面試缺考或 0 分"),
    "review_absent": ("zero_or_absent", "書面審查缺件或 0 分"),
    "no_documents": ("zero_or_absent", "未繳任何書審資料"),
    "review_total_zero": ("zero_or_absent", "書審總分 0 分"),
    "below_minimum": ("below_minimum", ""),
    "tied_at_quota": ("tied_at_quota", ""),
    "beyond_waitlist": ("beyond_waitlist", ""),
}
# In the order of precedence: when several reasons apply, the first is the applicant's (README,
# "Readings of the brochure"): the office's decision by hand, then 報考資格 (參), then the exam
# (柒.四 and 陸.一(二)) in the order it happens, then the reasons of ranked applicants (柒.一, 柒.二).
REASON_GROUPS = MappingProxyType({c: g for c, (g, _) in _REASONS.items()})
REASON_LABELS = MappingProxyType(
    {c: f"{GROUP_LABELS[g]}：{own}" if own else GROUP_LABELS[g] for c, (g, own) in _REASONS.items()}
)

ITEM_LABELS = MappingProxyType(
    {
        "written": "筆試",
        "interview": "面試",
        "review": "書面審查",
        "tvee": "統測成績",
        "school_grades": "在校成績",
        "conduct": "高中職獎懲紀錄",
        "autobiography": "履歷自傳",
        "certificates": "專業證照",
        "awards": "參賽得獎證明",
        "other": "其他有利條件",
        "birth_date": "出生日期",
        "excluded": "不予錄取原因",
        "program": "專班",
    }
)

CHANGE_LABELS = MappingProxyType(
    {
        "in": "新增正取",
        "out": "失去正取",
        "status": "錄取狀態改變",
        "rank": "名次改變",
        "waitlist_no": "備取序改變",
        "added": "複查後新增",
        "removed": "複查後移除",
        "total": "總分改變",
    }
)

# 附表一's 處理結果 of a 成績複查, per applicant listed by ``admission_diff``.
RESULT_LABELS = MappingProxyType(
    {
        "corrected_same": "分數更正，名次不變",
        "corrected_rank": "分數更正，名次改變",
        "corrected_status": "分數更正，錄取結果改變",
        "others_rank": "本人分數未變，因他人分數更正名次改變",
        "others_status": "本人分數未變，因他人分數更正錄取結果改變",
        "added": "複查後新增",
        "removed": "複查後移除",
    }
)


def reason_label(code: str, detail: str = "") -> str:
    """What a reader sees for a reason: the brochure's name first, then the code's own words
    and the applicant's detail: 「不符報考資格：超過年齡上限（1991-01-01 以前出生）」,
    「未達最低錄取標準：60 分」, 「招生單位不予錄取：已錄取他校未放棄」."""
    label = REASON_LABELS[code]
    if not detail:
        return label
    return (
        f"{label}（{detail}）"
        if label != GROUP_LABELS[REASON_GROUPS[code]]
        else f"{label}：{detail}"
    )
