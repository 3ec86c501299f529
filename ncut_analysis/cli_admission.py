"""The admission commands of ``ncut-analysis`` (admission, admission-compare, admission-simulate,
admission-diff, synth-applicants) and the scenario options the briefing and the slides share:
options checked, the package's API called, what was done printed from the label table."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .errors import joined, say
from .io import write_csv

__all__ = ["add_parsers", "add_scenario_options", "scenario"]


def _say_cli(code: str, **values: object) -> str:
    return say("messages_cli", code, **values)


def scenario(a: argparse.Namespace) -> dict:
    """The admission scenario options shared by `briefing --kind admission` and `slides`,
    range-checked here (exit 2 naming the option and the value)."""
    from .admission import check_draws, check_no_show, check_sd, check_seed, check_waitlist

    _min_total(a)
    return {
        "year": a.year,
        "applicants": a.applicants or "",
        "min_total": str(a.min_total),
        "waitlist": check_waitlist(a.waitlist, "--waitlist"),
        "noise_sd": check_sd(a.noise_sd, "--noise-sd"),
        "no_show": check_no_show(a.no_show, "--no-show"),
        "draws": check_draws(a.draws, "--draws"),
        "seed": check_seed(a.seed, "--seed"),
    }


def _load(a: argparse.Namespace, path: str | None = None):  # noqa: ANN202
    from .admission import load_applicants

    return load_applicants(path or a.applicants, year=a.year)


def _min_total(a: argparse.Namespace) -> dict[str, int]:
    """--min-total checked against the year's programs (one number, or PROGRAM=N,...)."""
    from .admission import min_total_units
    from .rules import load_admission_rules

    return min_total_units(a.min_total, load_admission_rules(a.year), "--min-total")


def _options(a: argparse.Namespace) -> dict:
    """The ranking options of the admission commands, range-checked before anything is read."""
    from .admission import check_waitlist

    _min_total(a)
    return {
        "year": a.year,
        "min_total": a.min_total,
        "waitlist": check_waitlist(a.waitlist, "--waitlist"),
    }


def _words(a: argparse.Namespace) -> tuple[dict[str, str], dict[str, str]]:
    """What the admission commands print (the label table) and each class's name by code."""
    from .labels import LABELS
    from .rules import load_admission_rules

    names = {p.id: p.name for p in load_admission_rules(a.year).programs}
    return dict(LABELS["admission_cli"]), names


def _cmd_admission(a: argparse.Namespace) -> None:
    from .admission import RESULT_COLUMNS, rank_admission, total_decimals
    from .labels import STATUS_LABELS
    from .present import count

    opts = _options(a)
    ranking = rank_admission(_load(a), a.mode, **opts)
    # every total exact, with the decimals the list needs (issue 26)
    d = total_decimals(ranking["total_units"])
    write_csv(ranking[RESULT_COLUMNS], a.out, float_format=f"%.{d}f")
    words, names = _words(a)
    for prog, g in ranking.groupby("program", sort=False):
        counts = g["status"].value_counts()
        over = (g["reason_code"] == "tied_at_quota").any()
        print(
            words["ranked"].format(
                name=names.get(prog, prog),
                **{f"{k}_label": v for k, v in STATUS_LABELS.items()},
                **{k: count(counts.get(k, 0)) for k in STATUS_LABELS},
            )
            + (words["tied"] if over else "")
        )
    print(_say_cli("wrote", path=a.out))


def _cmd_admission_compare(a: argparse.Namespace) -> None:
    from .admission import compare_modes
    from .io import atomic_dir
    from .report.admission import present

    opts = _options(a)
    res = compare_modes(_load(a), **opts)
    d = res["applicants"].attrs.get("total_decimals", 2)
    with atomic_dir(a.out) as tmp:
        write_csv(res["applicants"], tmp / "compare_applicants.csv", float_format=f"%.{d}f")
        write_csv(res["summary"], tmp / "compare_summary.csv")
    shown = res["summary"][
        [
            "program",
            "both",
            "only_normal",
            "only_special",
            "cutoff_normal",
            "cutoff_special",
            "spearman",
            "kendall",
        ]
    ].copy()
    shown.attrs["formats"] = {
        "cutoff_normal": "score",
        "cutoff_special": "score",
        "spearman": "corr",
        "kendall": "corr",
    }
    _, names = _words(a)
    print(present(shown, names, decimals=d, text=True).to_string(index=False))
    print(
        _say_cli(
            "wrote_files",
            path=a.out,
            files=joined(["compare_applicants.csv", "compare_summary.csv"]),
        )
    )


def _cmd_admission_simulate(a: argparse.Namespace) -> None:
    from .admission import (
        admission_probability,
        backfill_depth,
        backfill_summary,
        check_draws,
        check_no_show,
        check_sd,
        check_seed,
        rank_admission,
    )
    from .io import atomic_dir
    from .present import count

    opts = _options(a)
    sd = check_sd(a.sd, "--sd")
    no_show = check_no_show(a.no_show, "--no-show")
    draws = check_draws(a.draws, "--draws")
    seed = check_seed(a.seed, "--seed")
    apps = _load(a)
    prob = admission_probability(apps, a.mode, sd=sd, draws=draws, seed=seed, **opts)
    ranking = rank_admission(apps, a.mode, **opts)
    depth = backfill_depth(ranking, no_show=no_show, draws=draws, seed=seed, year=a.year)
    summary = backfill_summary(depth)
    with atomic_dir(a.out) as tmp:
        # shares of draws: six significant digits (0.29, not 0.29000000000000004)
        write_csv(prob, tmp / "admission_probability.csv", float_format="%.6g")
        write_csv(depth, tmp / "waitlist_depth.csv", float_format="%.6g")
        write_csv(summary, tmp / "waitlist_summary.csv", float_format="%.6g")
    words, names = _words(a)
    for r in summary.itertuples():
        print(
            words["simulated"].format(
                name=names.get(r.program, r.program),
                waitlist=count(r.waitlist_length),
                p_any_call=f"{r.p_any_call:.1%}",
                mean_depth=f"{r.mean_depth:.2f}",
                p90=count(r.p90_depth),
                p_exhausted=f"{r.p_exhausted:.1%}",
            )
        )
    print(
        _say_cli(
            "wrote_files",
            path=a.out,
            files=joined(
                ["admission_probability.csv", "waitlist_depth.csv", "waitlist_summary.csv"]
            ),
        )
    )


def _cmd_admission_diff(a: argparse.Namespace) -> None:
    from .admission import DIFF_COLUMNS, admission_diff
    from .present import count

    opts = _options(a)
    before = _load(a, a.before)
    after = _load(a, a.after)
    diff = admission_diff(before, after, a.mode, **opts)
    d = diff.attrs.get("total_decimals", 2)
    write_csv(diff[DIFF_COLUMNS], a.out, float_format=f"%.{d}f")
    words, names = _words(a)
    for prog, g in diff.groupby("program", sort=False):
        ch = g["change"].value_counts()
        print(
            words["changed"].format(
                name=names.get(prog, prog),
                changed=count(len(g)),
                entered=count(ch.get("in", 0)),
                left=count(ch.get("out", 0)),
            )
        )
    print(_say_cli("wrote_diff", path=a.out, n=count(len(diff))))


def _cmd_synth_applicants(a: argparse.Namespace) -> None:
    from .admission import check_seed, synth_applicants

    write_csv(synth_applicants(a.year, check_seed(a.seed, "--seed")), a.out)
    print(_say_cli("wrote", path=a.out))


def _admission_args(
    sp: argparse.ArgumentParser, h: dict, mode: bool = True, applicants: bool = True
) -> None:
    if applicants:
        sp.add_argument("--applicants", required=True, help=h["applicants"])
    if mode:
        sp.add_argument("--mode", required=True, choices=["normal", "special"], help=h["mode"])
    sp.add_argument(
        "--year",
        type=int,
        default=109,
        help=h["year"],
    )
    sp.add_argument(
        "--min-total",
        default="0",
        help=h["min_total"],
    )
    sp.add_argument("--waitlist", help=h["waitlist"])


def add_parsers(add: Callable[[str, Callable, str], argparse.ArgumentParser], h: dict) -> None:
    """The admission sub-commands, through ``cli``'s ``add``; ``h`` the help texts."""
    sp = add("admission", _cmd_admission, h["admission"])
    _admission_args(sp, h)
    sp.add_argument("--out", required=True, help=h["out_csv"])

    sp = add("admission-compare", _cmd_admission_compare, h["admission_compare"])
    _admission_args(sp, h, mode=False)
    sp.add_argument("--out", required=True, help=h["out_folder"])

    sp = add(
        "admission-simulate",
        _cmd_admission_simulate,
        h["admission_simulate"],
    )
    _admission_args(sp, h)
    sp.add_argument("--sd", default="3", help=h["sd"])
    sp.add_argument("--no-show", default="0.1", help=h["no_show"])
    sp.add_argument("--draws", default="10000", help=h["draws"])
    sp.add_argument("--seed", default="0", help=h["seed_any"])
    sp.add_argument("--out", required=True, help=h["out_folder"])

    sp = add(
        "admission-diff",
        _cmd_admission_diff,
        h["admission_diff"],
    )
    sp.add_argument("--before", required=True, help=h["before"])
    sp.add_argument("--after", required=True, help=h["after"])
    _admission_args(sp, h, applicants=False)
    sp.add_argument("--out", required=True, help=h["out_csv"])

    sp = add("synth-applicants", _cmd_synth_applicants, h["synth_applicants"])
    sp.add_argument("--year", type=int, default=109, help=h["year"])
    sp.add_argument("--seed", type=int, default=0, help=h["seed_any"])
    sp.add_argument("--out", required=True, help=h["out_csv"])


def add_scenario_options(sp: argparse.ArgumentParser, h: dict) -> None:
    """The admission scenario's options of `briefing --kind admission` and `slides`."""
    adm = sp.add_argument_group(h["admission_group"])
    adm.add_argument("--year", type=int, default=109, help=h["year"])
    adm.add_argument("--applicants", help=h["applicants_default"])
    adm.add_argument("--min-total", default="0", help=h["min_total_short"])
    adm.add_argument("--waitlist", help=h["waitlist"])
    adm.add_argument("--noise-sd", default="3", help=h["sd"])
    adm.add_argument("--no-show", default="0.1", help=h["no_show"])
    adm.add_argument("--draws", default="10000", help=h["draws"])
    adm.add_argument("--seed", default="0", help=h["seed_any"])
