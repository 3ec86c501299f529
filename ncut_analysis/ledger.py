"""The notice ledger, now ``ncut_analysis.notices.ledger``: this name is the same module (so
``ncut_analysis.ledger.add_run`` and ``ncut_analysis.notices.ledger.add_run`` are one function)."""

import sys

from .notices import ledger as _ledger

sys.modules[__name__] = _ledger
