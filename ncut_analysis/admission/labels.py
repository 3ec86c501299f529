"""Codes and their Chinese labels for admission: statuses, reasons, scored items, 複查 changes.

Meaning travels as a code (``status``, ``reason_code``, ``change``); a view counts by code and
shows the label. The labels live in the package's one table (``labels.toml``); nothing here is
parsed back.
"""

from __future__ import annotations

from ..labels import LABELS, MODE_LABELS, STATUS_LABELS

__all__ = ["STATUS_LABELS", "REASON_LABELS", "ITEM_LABELS", "CHANGE_LABELS", "MODE_LABELS"]

REASON_LABELS = LABELS["reason"]  # in the order a table lists them
ITEM_LABELS = LABELS["item"]
CHANGE_LABELS = LABELS["change"]
