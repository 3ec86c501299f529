"""environment.yml (conda) and pyproject.toml name the same packages with the same bounds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

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


HEAVY = ("ipywidgets", "openpyxl", "plotly", "IPython", "pptx", "numba", "llvmlite")


def test_import_and_a_data_only_call_load_no_view_library():
    # In a fresh process: the package's top level imports its submodules on first use, so the
    # pass rates of the shipped data load none of the notebook, chart or office-file libraries.
    import subprocess
    import sys

    code = (
        "import sys, ncut_analysis as na\n"
        "bare = sorted(m for m in sys.modules if m.startswith('ncut_analysis.'))\n"
        "s = na.load_students(na.paths.default_students())\n"
        "r = na.load_records(na.paths.default_records())\n"
        "t = na.pass_rates(s, r, term='114-1')\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print(bare, heavy, int(t['students'].iloc[-1]), na.__version__)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["[]", "[]", "1504", _installed_version()]


def _installed_version() -> str:
    from importlib.metadata import version

    return version("ncut-analysis")


def test_public_names_resolve_and_unknown_ones_raise():
    import ncut_analysis as na

    for name in na.__all__:
        assert getattr(na, name) is not None, name
    assert na.paths.RULES_DIR.is_dir()  # a submodule by attribute
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        na.nothing_here  # noqa: B018
    assert set(na.__all__) <= set(dir(na))


def test_no_numba_anywhere():
    # No compiled kernel of our own: nothing imports numba, llvmlite or numba.core.
    text = "\n".join(
        p.read_text(encoding="utf-8")
        for p in [*REPO.glob("ncut_analysis/**/*.py"), REPO / "pyproject.toml", REPO / "Makefile"]
    )
    assert "numba" not in text and "llvmlite" not in text


def _wheel(tmp_path):  # noqa: ANN001, ANN202
    import subprocess
    import sys

    dist = tmp_path / "dist"
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(dist)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    (whl,) = dist.glob("ncut_analysis-*.whl")
    return whl


@pytest.mark.slow
def test_the_wheel_carries_notebooks_templates_rules_and_data(tmp_path):
    import zipfile

    names = set(zipfile.ZipFile(_wheel(tmp_path)).namelist())
    for path in [
        *(f"notebooks/{p.name}" for p in (REPO / "notebooks").glob("*.ipynb")),
        *(str(p.relative_to(REPO)) for p in (REPO / "data").rglob("*") if p.is_file()),
    ]:
        assert f"ncut_analysis/_bundled/{path}" in names, path
    for p in (REPO / "ncut_analysis").rglob("*"):
        if p.is_file() and p.suffix in {".toml", ".j2", ".json", ".css"}:
            assert str(p.relative_to(REPO)) in names, p


@pytest.mark.slow
def test_an_installed_wheel_runs_a_briefing_outside_the_repository(tmp_path):
    # The wheel into a fresh venv (its dependencies lent by this one through a .pth line and
    # JUPYTER_PATH, so that nothing is downloaded), then the briefing from a folder that is not
    # the repository.
    import os
    import subprocess
    import sys
    import sysconfig
    import venv

    whl = _wheel(tmp_path)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    res = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(whl)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "_lent.pth").write_text(sysconfig.get_path("purelib") + "\n")
    away = tmp_path / "elsewhere"
    away.mkdir()
    where = subprocess.run(
        [str(py), "-c", "from ncut_analysis import paths; print(paths.DATA_DIR, paths.REPO_DIR)"],
        capture_output=True,
        text=True,
        cwd=away,
    )
    assert where.stdout.split() == [f"{site}/ncut_analysis/_bundled/data", "None"], where.stderr
    jupyter = {**os.environ, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    res = subprocess.run(
        [str(env_dir / "bin" / "ncut-analysis"), "briefing", "--term", "114-1", "--out", "out"],
        capture_output=True,
        text=True,
        cwd=away,
        env=jupyter,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    html = (away / "out" / "114-1" / "term_briefing.html").read_text(encoding="utf-8")
    assert "87.77%" in html  # the shipped data's whole-school rate, from the bundled data
