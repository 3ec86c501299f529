from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from .conftest import REPO, run_cli, run_process, write


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd or REPO)


def test_pass_rates_command_writes_the_table(tiny, tmp_path):
    s, r = tiny
    out = tmp_path / "pr.csv"
    res = run(
        "pass-rates",
        "--students",
        str(s),
        "--records",
        str(r),
        "--term",
        "114-1",
        "--as-of",
        "114/12/12",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "college,department,students,resilience_passed,resilience_rate,enhancement_passed,"
        "enhancement_rate,engagement_passed,engagement_rate,certificate_passed,certificate_rate,"
        "all_passed,all_rate"
    )
    assert lines[1] == "工程學院,化材,3,1,33.33,1,33.33,2,66.67,1,33.33,1,33.33"
    assert lines[-1] == "全校,,4,2,50.00,1,25.00,2,50.00,2,50.00,1,25.00"


def test_bad_input_exit_2_every_problem_no_traceback_no_output(tiny, tmp_path):
    s, _ = tiny
    bad = write(
        tmp_path / "bad.csv",
        "student_id,category,amount,date\nS1,抗壓,-3,2025-01-01\n"
        "S1,跑步,1,2025-01-01\nS1,精進,1,2025-02-30\n",
    )
    out = tmp_path / "pr.csv"
    out.write_text("previous run\n")
    res = run("pass-rates", "--students", str(s), "--records", str(bad), "--out", str(out))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    for needle in (
        f"{bad} 第 2 列，欄位「amount」，值「-3」",
        f"{bad} 第 3 列，欄位「category」，值「跑步」",
        f"{bad} 第 4 列，欄位「date」，值「2025-02-30」",
    ):
        assert needle in res.stderr
    assert out.read_text() == "previous run\n"  # nothing already there is lost
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_missing_file_and_bad_as_of(tiny, tmp_path):
    s, r = tiny
    res = run(
        "pass-rates",
        "--students",
        str(s),
        "--records",
        str(tmp_path / "none.csv"),
        "--out",
        str(tmp_path / "o.csv"),
    )
    assert (
        res.returncode == 2
        and res.stderr.count("\n") == 1
        and "none.csv" in res.stderr
        and "找不到檔案" in res.stderr
    )
    res = run(
        "pass-rates",
        "--students",
        str(s),
        "--records",
        str(r),
        "--as-of",
        "114/13/01",
        "--out",
        str(tmp_path / "o.csv"),
    )
    assert res.returncode == 2 and "114/13/01" in res.stderr and not (tmp_path / "o.csv").exists()


def test_unknown_students_warned_on_stderr(tiny, tmp_path):
    s, r = tiny
    r.write_text(r.read_text() + "X9,resilience,3,2025-01-01\n", encoding="utf-8")
    res = run(
        "pass-rates", "--students", str(s), "--records", str(r), "--out", str(tmp_path / "o.csv")
    )
    assert (
        res.returncode == 0 and "警告：學生名單中沒有的 1 位學生，其 1 筆紀錄未計入" in res.stderr
    )


def test_synth_reconcile_and_rosters_commands(tmp_path):
    assert (
        run("synth", "--term", "114-1", "--seed", "5", "--out", str(tmp_path / "d")).returncode == 0
    )
    pr = tmp_path / "pr.csv"
    assert (
        run(
            "pass-rates",
            "--students",
            str(tmp_path / "d/students.csv"),
            "--records",
            str(tmp_path / "d/records.csv"),
            "--as-of",
            "2025-12-12",
            "--out",
            str(pr),
        ).returncode
        == 0
    )
    rec = tmp_path / "rec.csv"
    res = run(
        "reconcile",
        "--published",
        "data/published/114-1.csv",
        "--computed",
        str(pr),
        "--out",
        str(rec),
    )
    assert res.returncode == 0, res.stderr
    found = pd.read_csv(rec)
    assert len(found) == 8 and set(found["field"]) == {"rate"}  # the counts all agree
    res = run(
        "rosters",
        "--students",
        str(tmp_path / "d/students.csv"),
        "--records",
        str(tmp_path / "d/records.csv"),
        "--as-of",
        "114/12/12",
        "--out",
        str(tmp_path / "ro"),
    )
    assert res.returncode == 0, res.stderr
    assert (
        len(list((tmp_path / "ro").glob("*.xlsx")))
        == len(list((tmp_path / "ro").glob("*.csv")))
        >= 16
    )


def test_unknown_term_is_a_clear_error(tiny, tmp_path):
    s, r = tiny
    res = run(
        "pass-rates",
        "--students",
        str(s),
        "--records",
        str(r),
        "--term",
        "109-2",
        "--out",
        str(tmp_path / "o.csv"),
    )
    assert res.returncode == 2 and "沒有學期 109-2 的規則檔" in res.stderr


def test_the_real_command_writes_what_the_in_process_call_writes(tiny, tmp_path):
    # A smoke test of the entry point as a process (python -m ncut_analysis): its exit status,
    # its message and its file, byte for byte what cli.main gives in this process.
    s, r = tiny
    args = ["pass-rates", "--students", str(s), "--records", str(r), "--by", "class"]
    real = run_process(*args, "--out", str(tmp_path / "p1.csv"), cwd=tmp_path)
    here = run_cli(*args, "--out", str(tmp_path / "p2.csv"), cwd=tmp_path)
    assert real.returncode == here.returncode == 0, real.stderr
    assert real.stdout.replace("p1.csv", "p2.csv") == here.stdout
    assert (tmp_path / "p1.csv").read_bytes() == (tmp_path / "p2.csv").read_bytes()
    bad = run_process("pass-rates", "--students", str(tmp_path / "none.csv"), "--records", str(r),
                      "--out", str(tmp_path / "x.csv"))  # fmt: skip
    assert bad.returncode == 2 and "none.csv" in bad.stderr and "Traceback" not in bad.stderr


def test_help_is_in_chinese(capsys):
    # What an office user reads with --help: the usage line, the sections and the options of
    # the commands of this lane in Chinese, exit status 0.
    from ncut_analysis.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["pass-rates", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：ncut-analysis pass-rates ")
    assert "選項" in out and "顯示這段說明後結束" in out and "學生名單檔" in out
    assert "usage:" not in out and "show this help" not in out


def test_every_command_and_option_is_explained_in_chinese():
    # What `--help` shows an office: each command's line and each option's help has Chinese
    # words (an option may keep its own name, like --send, inside the sentence).
    import argparse
    import re as _re

    from ncut_analysis.cli import _parser

    cjk = _re.compile(r"[\u3400-\u9fff]")
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    english = [
        f"{name} {a.option_strings or a.dest}: {a.help}"
        for name, sp in sub.choices.items()
        for a in sp._actions
        if a.help and a.help != argparse.SUPPRESS and not cjk.search(a.help)
    ]
    english += [c.metavar or c.dest for c in sub._choices_actions if not cjk.search(c.help or "")]
    english += [
        f"{name} group {g.title}"
        for name, sp in sub.choices.items()
        for g in sp._action_groups
        if g.title and not cjk.search(g.title)
    ]
    assert not english


def test_an_options_own_check_is_worded_in_chinese(capsys):
    from ncut_analysis.cli import main

    with pytest.raises(SystemExit) as e:
        main(["send", "--run", "x", "--smtp-host", "h", "--limit", "0"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "--limit" in err and "「0」" in err and "argument" not in err
