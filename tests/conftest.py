from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

STUDENT_HEADER = "student_id,name,college,department,class,cohort,program"


def run_cli(
    *args: str, cwd: Path | str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``ncut-analysis ARGS`` in this process (``cli.main``): its exit status, stdout and stderr,
    as ``subprocess.run(..., capture_output=True, text=True)`` gives them. ``cwd`` and ``env``
    (the whole environment, as for ``subprocess.run``) hold for the call only. A few tests keep
    a real ``python -m ncut_analysis`` process (``run_process``)."""
    from ncut_analysis import cli

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        os.chdir(cwd or REPO)
        # Each call shows its warnings, as a fresh process would (no "once" memory).
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("always")
            try:
                code = cli.main([str(a) for a in args])
            except SystemExit as exc:  # argparse: usage errors, --help
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        os.chdir(saved_cwd)
        if env is not None:
            os.environ.clear()
            os.environ.update(saved_env)
    return subprocess.CompletedProcess(
        ["ncut-analysis", *args], code, out.getvalue(), err.getvalue()
    )


def run_process(
    *args: str, cwd: Path | str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``python -m ncut_analysis ARGS`` as a real process (the smoke tests of the entry point)."""
    return subprocess.run(
        [sys.executable, "-m", "ncut_analysis", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env=None if env is None else dict(env),
    )


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Jupyter, IPython and Chromium write under ~; keep them in a temporary folder."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in {
        "HOME": "",
        "IPYTHONDIR": ".ipython",
        "JUPYTER_CONFIG_DIR": ".jupyter",
        "JUPYTER_DATA_DIR": ".local/share/jupyter",
        "XDG_CACHE_HOME": ".cache",
        "XDG_CONFIG_HOME": ".config",
        "MPLCONFIGDIR": ".mpl",
    }.items():
        os.environ[var] = str(home / sub)
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    """Four seniors of 化材 (two classes), a junior, a 進四技 student, hand-countable records.

    S1: resilience exactly 3 h, enhancement ten records of 0.3 h (= 3 h), engagement 20 h +
        aesthetics 4 h (= 24), one certificate -> passes all four.
    S2: resilience 2.99 h, enhancement 3 h of which 1 h dated 2025-12-13 (after 114-12-12),
        engagement 24 h dated on 2025-12-12, no certificate.
    S3: nothing.
    S4: certificate on 114/12/12 (ROC), resilience 5 h.
    J1 (cohort 112) and E1 (進四技) have everything but are outside the population.
    """
    students = write(
        tmp_path / "students.csv",
        "\n".join(
            [
                STUDENT_HEADER,
                "S1,甲生,工程學院,化材,化材四甲,111,日四技",
                "S2,乙生,工程學院,化材,化材四甲,111,日四技",
                "S3,丙生,工程學院,化材,化材四乙,111,日四技",
                "S4,丁生,工程學院,機械,機械四甲,111,日四技",
                "J1,戊生,工程學院,化材,化材三甲,112,日四技",
                "E1,己生,工程學院,化材,進化材四甲,111,進四技",
            ]
        )
        + "\n",
    )
    rec = ["student_id,category,amount,date", "S1,抗壓,3,2025-03-01"]
    rec += ["S1,enhancement,0.3,114/05/0" + str(i % 9 + 1) for i in range(10)]
    rec += [
        "S1,社會接軌,20,2024-10-10",
        "S1,美學,4,1131111",
        "S1,證照,1,114.01.02",
        "S2,resilience,2.99,2025-01-01",
        "S2,精進,2,2025-01-01",
        "S2,精進,1,2025-12-13",
        "S2,engagement,24,2025-12-12",
        "S4,專業證照,1,114/12/12",
        "S4,resilience,5,2024-01-01",
    ]
    for sid in ("J1", "E1"):
        rec += [
            f"{sid},resilience,3,2025-01-01",
            f"{sid},enhancement,3,2025-01-01",
            f"{sid},engagement,24,2025-01-01",
            f"{sid},certificate,1,2025-01-01",
        ]
    records = write(tmp_path / "records.csv", "\n".join(rec) + "\n")
    return students, records
