"""Admission ranking of the industry-academia-training classes (產學訓四技專班).

One scorer (``score``) holds the rule: who is ranked, exact totals (integers of 1/100000 point)
and the full tie-break key per program and mode. The ranking (``rank``), the mode comparison
(``compare``), the Monte Carlo and waitlist backfill (``simulate``) and the 成績複查 diff
(``diff``) all use it. Two modes: ``normal`` (筆試 30% + 面試 40% + 書面審查 30%) and
``special`` (伍、特殊狀態: document review only, per-department weights and 比序 order).
Statuses and reasons are codes; ``labels`` gives their Chinese labels.
"""

from __future__ import annotations

from ..rules import NORMAL_ITEMS, SPECIAL_ITEMS
from .compare import compare_modes, rank_correlations
from .diff import DIFF_COLUMNS, admission_diff
from .labels import (
    CHANGE_LABELS,
    GROUP_LABELS,
    ITEM_LABELS,
    MODE_LABELS,
    REASON_GROUPS,
    REASON_LABELS,
    RESULT_LABELS,
    STATUS_LABELS,
    reason_label,
)
from .numbers import NumberError, read_decimal, read_units
from .options import (
    OptionError,
    check_draws,
    check_no_show,
    check_sd,
    check_seed,
    check_waitlist,
    min_total_units,
)
from .pool import APPLICANT_COLUMNS, OPTIONAL_COLUMNS, load_applicants, synth_applicants
from .rank import (
    RESULT_COLUMNS,
    SmallPoolWarning,
    minimum_standards,
    rank_admission,
    reason_counts,
    total_decimals,
)
from .score import (
    MODES,
    SCORE_SCALE,
    TOTAL_SCALE,
    ProgramScores,
    admitted_by_draw,
    competition_rank,
    score_program,
)
from .simulate import (
    admission_probability,
    backfill_depth,
    backfill_summary,
    probability_summary,
)

__all__ = [
    "APPLICANT_COLUMNS",
    "OPTIONAL_COLUMNS",
    "RESULT_COLUMNS",
    "DIFF_COLUMNS",
    "MODES",
    "NORMAL_ITEMS",
    "SPECIAL_ITEMS",
    "SCORE_SCALE",
    "TOTAL_SCALE",
    "STATUS_LABELS",
    "REASON_LABELS",
    "ITEM_LABELS",
    "CHANGE_LABELS",
    "REASON_GROUPS",
    "GROUP_LABELS",
    "RESULT_LABELS",
    "reason_label",
    "total_decimals",
    "NumberError",
    "read_decimal",
    "read_units",
    "MODE_LABELS",
    "OptionError",
    "SmallPoolWarning",
    "ProgramScores",
    "load_applicants",
    "synth_applicants",
    "score_program",
    "competition_rank",
    "admitted_by_draw",
    "rank_admission",
    "reason_counts",
    "minimum_standards",
    "compare_modes",
    "rank_correlations",
    "admission_probability",
    "probability_summary",
    "backfill_depth",
    "backfill_summary",
    "admission_diff",
    "min_total_units",
    "check_no_show",
    "check_sd",
    "check_draws",
    "check_waitlist",
    "check_seed",
]
