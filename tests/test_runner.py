"""Running a briefing as an administrator does: parameter errors before any kernel, quiet runs,
Ctrl-C that stops within seconds and keeps what was there, and staging left by a killed run."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time

import pytest

from ncut_analysis.io import atomic_dir

from .conftest import REPO, run_cli

CLI = [sys.executable, "-m", "ncut_analysis"]


class KernelStarted(RuntimeError):
    """A briefing reached papermill (``no_kernel``)."""


@pytest.fixture
def no_kernel(monkeypatch) -> list:
    """Every kernel a briefing starts goes through papermill's ``execute_notebook`` (directly,
    or in the per-department workers); here it is recorded instead, and fails the run."""
    import papermill

    started: list = []

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started.append(args)
        raise KernelStarted("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)
    return started


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--as-of", "2025-02-30"], "2025-02-30"),
        (["--department", "不存在系"], "department「不存在系」"),
        (["--students", "nowhere.csv", "--records", "nowhere.csv"], "nowhere.csv：找不到檔案"),
        (["--students", "nowhere.csv"], "--students「nowhere.csv」：必須與 --records 一起給"),
        (["--term", "120-1"], "沒有學期 120-1 的規則檔"),
        (["--compare-as-of", "2026-01-01"], "必須早於結算日"),
    ],
)
def test_bad_parameters_stop_before_any_kernel(tmp_path, no_kernel, args, says):
    res = run_cli("briefing", *args, "--out", str(tmp_path / "out"))
    assert res.returncode == 2, res.stderr
    assert says in res.stderr and "Traceback" not in res.stderr
    assert "cell" not in res.stderr and "InputError" not in res.stderr  # the plain message
    assert res.stderr.count("\n") == 1  # one line
    assert not (tmp_path / "out").exists()
    assert no_kernel == []  # the parameters were checked before any notebook ran


def test_the_kernel_check_sees_a_briefing_that_starts_one(tmp_path, no_kernel):
    # The check above can fail: good parameters reach papermill, which is refused here.
    with pytest.raises(KernelStarted):
        run_cli("briefing", "--term", "114-1", "--out", str(tmp_path / "out"))
    assert len(no_kernel) == 1


def test_a_killed_runs_staging_is_removed_by_the_next_run(tmp_path):
    dead = tmp_path / ".partial-999999999-abc"  # no such process
    dead.mkdir(parents=True)
    (dead / "half.html").write_text("x")
    live = tmp_path / f".partial-{os.getpid()}-xyz"  # a run still going on (this process)
    live.mkdir()
    with atomic_dir(tmp_path / "out") as stage:  # (staged beside the folder it becomes)
        (stage / "a.txt").write_text("a")
    assert not dead.exists() and live.exists()
    assert (tmp_path / "out" / "a.txt").read_text() == "a"


def test_a_failed_run_leaves_no_folder_it_made(tmp_path):
    # A run that fails (a bad input found by the notebook) leaves no empty out/114-1 behind; a
    # folder that was there before stays.
    with pytest.raises(RuntimeError), atomic_dir(tmp_path / "out" / "114-1") as stage:
        (stage / "a.txt").write_text("a")
        raise RuntimeError("bad input")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "kept").mkdir()
    with pytest.raises(RuntimeError), atomic_dir(tmp_path / "kept") as stage:
        raise RuntimeError("bad input")
    assert (tmp_path / "kept").is_dir() and list((tmp_path / "kept").iterdir()) == []


@pytest.mark.slow
def test_an_interrupted_run_leaves_nothing_half_written(tmp_path):
    # Ctrl-C in a terminal sends SIGINT to the command; it stops within seconds, exit 130, and
    # the earlier briefing in the folder stays as it was.
    folder = tmp_path / "out" / "114-1"
    folder.mkdir(parents=True)
    (folder / "term_briefing.html").write_text("earlier")
    proc = subprocess.Popen(
        [*CLI, "briefing", "--term", "114-1", "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        # as from a terminal: a run started in the background of a script inherits SIGINT
        # ignored, which is the shell's choice, not the command's
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120

    def staged() -> list:  # (a run is staged beside the folder it becomes)
        return list(folder.parent.glob(".partial-*/term_briefing.ipynb"))

    while time.monotonic() < deadline and not staged():
        time.sleep(0.1)  # until papermill has started writing the notebook (the kernel is up)
    proc.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert time.monotonic() - t0 < 15
    assert "Traceback" not in err and "KeyboardInterrupt" not in err and "TCP" not in err
    assert [p.name for p in folder.iterdir()] == ["term_briefing.html"]
    assert (folder / "term_briefing.html").read_text() == "earlier"


def test_the_package_imports_without_changing_the_process():
    code = (
        "import os, warnings; m = os.umask(0o027); sw = warnings.showwarning;"
        "import ncut_analysis, ncut_analysis.cli, ncut_analysis.io;"
        "assert os.umask(0o022) == 0o027; assert warnings.showwarning is sw;"
        "from ncut_analysis.cli import main; main(['synth', '--help']) if False else None;"
        "print('ok')"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stdout.strip() == "ok", res.stderr


def test_the_cli_undoes_its_warning_hook(tmp_path):
    import warnings

    from ncut_analysis.cli import main

    before = warnings.showwarning
    from ncut_analysis.paths import published_table

    out = tmp_path / "r.csv"
    assert main(["reconcile", "--published", str(published_table("114-1")), "--out", str(out)]) == 0
    assert warnings.showwarning is before
    assert out.exists()


@pytest.mark.skipif(
    importlib.util.find_spec("rfc3987_syntax") is None, reason="no IRI grammar to keep out"
)
def test_the_kernel_sets_up_plotly_without_jsonschemas_iri_grammar():
    """The kernel's first cell (``setup_notebook``) imports plotly's renderers, which import
    nbformat and so jsonschema; jsonschema's IRI grammar (``rfc3987_syntax`` builds it with lark
    on import: 1.5-4.5 s of every briefing) stays out, and nbformat still validates."""
    code = (
        "import sys, ncut_analysis as na; na.setup_notebook(); import nbformat;"
        "assert 'jsonschema' in sys.modules and 'nbformat' in sys.modules;"
        "assert 'lark' not in sys.modules, sorted(m for m in sys.modules if 'lark' in m);"
        "assert 'rfc3987_syntax' not in sys.modules;"
        "nbformat.validate(nbformat.v4.new_notebook()); print('ok')"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stdout.strip() == "ok", res.stderr
