"""``python -m ncut_analysis`` runs the command line."""

from .cli import run

run()
