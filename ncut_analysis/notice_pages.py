"""The notices' pages, now ``ncut_analysis.notices.render``: this name is the same module."""

import sys

from .notices import render as _render

sys.modules[__name__] = _render
