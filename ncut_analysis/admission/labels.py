"""Codes and their Chinese labels: statuses, reasons, scored items and 複查 changes.

Meaning travels as a code (``status``, ``reason_code``, ``change``); a view counts by code and
shows the label. Nothing here is parsed back.
"""

from __future__ import annotations

from types import MappingProxyType

# Statuses and modes are every view's: one table for the package (labels.toml).
from ..labels import MODE_LABELS, STATUS_LABELS

__all__ = [
    "STATUS_LABELS",
    "REASON_LABELS",
    "ITEM_LABELS",
    "CHANGE_LABELS",
    "MODE_LABELS",
]


# In the order a table lists them: eligibility (參.二), the office's decision, the exam (柒.四,
# 陸.一), then the reasons of ranked applicants (柒.一, 柒.二).
REASON_LABELS = MappingProxyType(
    {
        "birth_date_missing": "缺出生日期（無法檢核 15–29 歲）",
        "over_age": "超過年齡上限",
        "under_age": "未滿 15 歲",
        "excluded": "不予錄取（招生單位認定）",
        "written_absent": "筆試缺考或 0 分",
        "not_invited": "未獲面試資格",
        "interview_absent": "面試缺考或 0 分",
        "review_absent": "書審缺或 0 分",
        "no_documents": "未繳書審資料",
        "review_total_zero": "書審總分 0 分",
        "below_minimum": "未達最低錄取標準",
        "tied_at_quota": "同分增額錄取",
        "beyond_waitlist": "超出備取名額",
    }
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
    }
)
