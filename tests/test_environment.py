"""environment.yml (conda) and pyproject.toml name the same packages with the same bounds."""

from __future__ import annotations

import re
import tomllib

from .conftest import REPO

CONDA_NAMES = {"kaleido": "python-kaleido", "duckdb": "python-duckdb"}


def _spec(line: str) -> tuple[str, str]:
    m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", line.strip())
    return m.group(1).lower(), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = dict(_spec(d) for d in py["dependencies"] + py["optional-dependencies"]["dev"])
    wanted = {CONDA_NAMES.get(k, k): v for k, v in wanted.items()}
    wanted["python"] = py["requires-python"]
    conda = {}
    text = (REPO / "environment.yml").read_text()
    deps = text.split("dependencies:", 1)[1]
    for line in deps.splitlines():
        m = re.match(r"\s+- ([A-Za-z].*)$", line)
        if m and not m.group(1).startswith(("pip", "-e")):
            name, bound = _spec(m.group(1))
            conda[name] = bound
    assert conda == wanted
