"""Running the briefings: the offline plotly renderer, papermill to execute a notebook, nbconvert
to export it as one self-contained HTML page, and the pool that runs one briefing per department.
What a briefing shows is in ``report``; this module only runs and exports it."""

from __future__ import annotations

import contextlib
import html
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import paths
from .errors import BriefingError, OptionError, say
from .headers import clean_text
from .io import atomic_dir, atomic_path, remove_stale_partials, unique_names
from .labels import LABELS
from .population import check_pair, check_scope, check_scope_options
from .present import SCHOOL
from .report.term import resolve_term_params, seniors_units
from .thresholds import units_in_school_order

if TYPE_CHECKING:
    from .report import AdmissionBriefing, AdmissionReport, TermBriefing, TermReport
    from .report.html import grouped_table, html_table

__all__ = [
    "BriefingError",
    "TermBriefing",
    "TermReport",
    "AdmissionBriefing",
    "AdmissionReport",
    "setup_notebook",
    "html_table",
    "grouped_table",
    "export_html",
    "run_notebook",
    "run_term_briefing",
    "unit_index",
    "admission_scenario",
    "run_admission_briefing",
]

# The views (openpyxl, plotly) are imported when a kernel or a pool uses them, not by the runner.
_VIEWS = {
    "AdmissionBriefing": "ncut_analysis.report.admission_html",
    "AdmissionReport": "ncut_analysis.report.admission",
    "TermBriefing": "ncut_analysis.report.html",
    "TermReport": "ncut_analysis.report.term",
    "grouped_table": "ncut_analysis.report.html",
    "html_table": "ncut_analysis.report.html",
}


def __getattr__(name: str) -> Any:
    if name not in _VIEWS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_VIEWS[name]), name)
    globals()[name] = value
    return value


_TITLES = LABELS["report_titles"]
_INDEX = LABELS["report_index"]

RENDERER = "ncut_offline"
MIMETYPE_RENDERER = "ncut_mimetype"  # plotly's JSON mimetype, with the one chart config


# ---------------------------------------------------------------------------- plotly offline


@contextlib.contextmanager
def _no_iri_grammar() -> Iterator[None]:
    """Imports of nbformat (papermill's and nbconvert's in the runner; plotly's renderers import
    it in the kernel) without jsonschema's IRI grammar. jsonschema builds that grammar with lark
    at import when the optional ``rfc3987_syntax`` is installed: 1.5-4.5 s measured, for a
    format check that notebooks never use. It is kept out while jsonschema is first imported;
    the module table is left as it was (only jsonschema's "iri" format check is missing in
    this process)."""
    import sys

    guard = "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules
    if guard:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        yield
    finally:
        if guard:
            sys.modules.pop("rfc3987_syntax", None)


def setup_notebook() -> None:
    """Render plotly figures so they survive an offline HTML export.

    Each figure is emitted as plotly's JSON mimetype (JupyterLab draws it) plus a ``<div>`` and
    a script calling ``Plotly.newPlot`` with no plotly.js and no MathJax of its own: the
    briefing template inlines plotly.js once in the page head. Both carry the one chart
    ``config`` (``charts.base.plotly_config``: a Chinese toolbar of 下載 PNG and 重置, no logo,
    no cloud).
    """
    with _no_iri_grammar():  # plotly's renderers import nbformat
        import plotly.io as pio
        from plotly.io._base_renderers import MimetypeRenderer, PlotlyRenderer

        pio.renderers  # noqa: B018 - plotly.io imports its renderers (and nbformat) when used

    from .charts.base import chart_filename, plotly_config

    def config(fig_dict: dict) -> dict:
        title = ((fig_dict.get("layout") or {}).get("title") or {}).get("text") or ""
        return plotly_config(filename=chart_filename(title))

    class _OfflineHtml(MimetypeRenderer):
        def to_mimebundle(self, fig_dict: dict) -> dict:
            html = pio.to_html(
                fig_dict,
                include_plotlyjs=False,
                include_mathjax=False,
                full_html=False,
                config=config(fig_dict),
                # plotly.io.show validated the figure into this dict; a second validation
                # rebuilt the figure and its whole template (the most of a chart's output
                # time) and gave the same JSON, its layout's keys in another order
                validate=False,
            )
            # A view that switches on screen (a dropdown) prints as its small multiples: a
            # figure's ``meta.medium`` ("screen" / "paper") says which page it belongs to.
            meta = fig_dict.get("layout", {}).get("meta")
            medium = meta.get("medium") if isinstance(meta, dict) else None
            if medium in ("screen", "paper"):
                html = f'<div class="ncut-{medium}-only">{html}</div>'
            return {"text/html": html}

    class _Mimetype(PlotlyRenderer):
        def to_mimebundle(self, fig_dict: dict) -> dict:
            self.config = config(fig_dict)
            return super().to_mimebundle(fig_dict)

    pio.renderers[RENDERER] = _OfflineHtml()
    pio.renderers[MIMETYPE_RENDERER] = _Mimetype()
    pio.renderers.default = f"{MIMETYPE_RENDERER}+{RENDERER}"


# ---------------------------------------------------------------------------- running


def export_html(nb_path: Path, html_path: Path, title: str) -> Path:
    """The executed notebook as a self-contained, offline HTML page with no code."""
    import nbformat
    from nbconvert import HTMLExporter
    from plotly.offline import get_plotlyjs

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:  # warnings and logs are for the analyst, not the reader
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "stream"]
    nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="ncut_briefing",
        extra_template_basedirs=[str(paths.TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code="zh",
    )
    body, _ = exporter.from_notebook_node(
        nb, resources={"plotly_js": get_plotlyjs(), "metadata": {"name": title}}
    )
    # nbconvert takes ISO 639-1 codes only; the page is Traditional Chinese (a browser then picks
    # the Traditional glyphs of a CJK font, not the Simplified ones).
    body = body.replace('<html lang="zh">', '<html lang="zh-Hant">', 1)
    with atomic_path(html_path) as tmp:
        tmp.write_text(body, encoding="utf-8")
    return html_path


def _quiet_kernel_manager() -> type:
    """A kernel manager whose kernel writes nothing to the terminal: what a kernel has to say
    (its start-up notices, a traceback as it is stopped) is for a developer; a failing cell is
    reported from the notebook itself."""
    import subprocess

    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            await super()._async_launch_kernel(kernel_cmd, **kw)

        _launch_kernel = _async_launch_kernel

    return QuietKernelManager


_PACKAGE_ERRORS = {
    "NcutError", "InputError", "OptionError", "RulesError", "BriefingError", "NoBrowserError",
}  # fmt: skip


def run_notebook(
    notebook: Path, out_nb: Path, parameters: dict[str, Any], *, progress_bar: bool = True
) -> None:
    """Execute a notebook with papermill; a failing cell becomes a ``BriefingError``: the plain
    message for the package's own errors (a user's input), the cell and the error otherwise."""
    with _no_iri_grammar():
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

    try:
        pm.execute_notebook(
            str(notebook),
            str(out_nb),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=progress_bar,
            cwd=str(out_nb.parent),
            log_output=False,
            kernel_manager_class=_quiet_kernel_manager(),
            # Written once at the end (and on a failure), not at every cell's start and end:
            # the term briefing's notebook, charts included, was written 2 × its cells times.
            request_save_on_cell_execute=False,
            # Stopped at once after the last cell: every file of the run is written by then
            # (the cells' own writes are atomic and finished), and a graceful stop waited
            # 0.5-0.9 s for the kernel's interpreter to tear down pandas, pyarrow and plotly.
            shutdown_kernel="immediate",
        )
    except PapermillExecutionError as exc:
        first = (exc.evalue or "").strip()
        if exc.ename in _PACKAGE_ERRORS:
            raise BriefingError(first) from None
        raise BriefingError(
            f"{notebook.name}: cell {exc.cell_index} failed: {exc.ename}: {first}"
        ) from None


def _one_briefing(
    params: dict[str, Any], dest: Path, progress_bar: bool, kind: str = "term"
) -> Path:
    """Execute one briefing notebook and export it; its files appear in ``dest`` all together or
    not at all (a failure or an interrupt leaves what was there before)."""
    name = f"{kind}_briefing"
    nb = paths.NOTEBOOKS_DIR / f"{name}.ipynb"
    with atomic_dir(dest) as stage:
        run_notebook(
            nb,
            stage / f"{name}.ipynb",
            {**params, "output_dir": str(stage)},
            progress_bar=progress_bar,
        )
        _scrub_paths(stage / f"{name}.ipynb", _path_names(params, stage, nb))
        if kind == "term":
            scope = params.get("department") or params.get("college") or SCHOOL.label
            title = _TITLES["page"].format(term=params["term"], scope=scope)
        else:
            title = _TITLES["admission_page"].format(year=params["year"])
        export_html(stage / f"{name}.ipynb", stage / f"{name}.html", title)
    return dest / f"{name}.html"


# Parameters that name a file: the reader is told its name, never where it sits on this machine.
_FILE_PARAMS = ("students", "records", "published", "ledger", "applicants")


def _path_names(params: dict[str, Any], stage: Path, notebook: Path) -> dict[str, str]:
    """What each local path of a run becomes in its executed notebook: a data file its file
    name, the staging folder the notebook ran in ``.``, the source notebook its place in the
    repository (``notebooks/term_briefing.ipynb``)."""
    names = {str(Path(params[k])): Path(params[k]).name for k in _FILE_PARAMS if params.get(k)}
    names[str(notebook)] = f"{notebook.parent.name}/{notebook.name}"
    names[str(stage / notebook.name)] = notebook.name
    names[str(stage)] = names[str(stage.resolve())] = "."
    return names


def _scrub_paths(nb_path: Path, names: dict[str, str]) -> None:
    """Rewrite the executed notebook with every local path in ``names`` replaced, in every
    string it holds (papermill's metadata, the injected parameters cell, outputs): what a
    reader gets shows no folder of the machine that ran it. Longest paths first, so a folder
    inside another is replaced whole."""
    import nbformat

    order = sorted(names, key=len, reverse=True)

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            for old in order:
                if old in value:
                    value = value.replace(old, names[old])
            return value
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    nb = nbformat.read(nb_path, as_version=4)
    nbformat.write(nbformat.from_dict(clean(nb)), nb_path)


def admission_scenario(
    *,
    year: int = 109,
    applicants: str = "",
    min_total: float | str = 0,
    waitlist: int | None = None,
    noise_sd: float = 3.0,
    no_show: float = 0.1,
    draws: int = 10_000,
    seed: int = 0,
) -> dict[str, Any]:
    """An admission scenario as the briefing notebook's parameters, which are also
    ``AdmissionReport.build``'s arguments: the brochure year, the applicants file (empty: the
    shipped pool), the minimum total, the waitlist length (None: no limit, -1 in the notebook),
    the scorers' noise (points, one standard deviation), the admitted no-show rate, and the
    Monte Carlo draws and seed."""
    from .admission import (
        check_draws,
        check_no_show,
        check_sd,
        check_seed,
        check_waitlist,
        min_total_units,
    )
    from .rules import load_admission_rules

    rules = load_admission_rules(year)  # an unknown year stops here, before a kernel starts
    if applicants and not Path(applicants).is_file():
        raise OptionError("applicants", applicants, LABELS["reading_io"]["not_found"])
    min_total_units(min_total, rules)  # checked, then handed on as written
    return {
        "year": int(year),
        "applicants": str(Path(applicants).resolve()) if applicants else "",
        "min_total": str(min_total),
        "waitlist": -1 if (wl := check_waitlist(waitlist)) is None else wl,
        "noise_sd": check_sd(noise_sd),
        "no_show": check_no_show(no_show),
        "draws": check_draws(draws),
        "seed": check_seed(seed),
    }


def run_admission_briefing(out: str | Path, *, progress_bar: bool = True, **scenario: Any) -> Path:
    """Run the admission briefing into ``out/admission_<year>/``; returns the HTML file.
    ``scenario``: the keywords of ``admission_scenario``."""
    params = admission_scenario(**scenario)
    return _one_briefing(
        params, Path(out) / f"admission_{params['year']}", progress_bar, kind="admission"
    )


def run_term_briefing(
    out: str | Path,
    *,
    term: str = "114-1",
    as_of: str | None = None,
    students: str = "",
    records: str = "",
    compare_as_of: str | None = None,
    deadline: str = "",
    department: str = "",
    per_department: bool = False,
    published: str = "",
    ledger: str = "",
    progress_bar: bool = True,
    workers: int | None = None,
    college: str = "",
    per_college: bool = False,
) -> list[Path]:
    """Run the term briefing into ``out/<term>/``; returns the HTML files written.

    ``as_of`` and ``compare_as_of`` default to the term's settlement and notice dates (its rules
    file); ``"all"`` counts every record, ``"none"`` compares with nothing. The parameters are
    checked before any kernel starts. ``department`` or ``college``: one unit's briefing. With
    ``per_department`` (``per_college``), one briefing per department (college) in
    ``out/<term>/<name>/``, run in parallel on the available cores, plus an ``index.html``.
    """
    check_pair(students, records, options=("students", "records"))
    department, college = clean_text(department or ""), clean_text(college or "")
    check_scope_options(
        {"department": department, "college": college, "per_department": per_department,
         "per_college": per_college}
    )  # fmt: skip
    _check_files(published, ledger)
    checked = resolve_term_params(
        term=term,
        as_of=as_of or "",
        students=students,
        records=records,
        compare_as_of=compare_as_of or "",
        deadline=deadline,
        published=published,
        ledger=ledger,
    )
    params = {
        "term": term,
        "as_of": as_of or "",
        "students": str(Path(students).resolve()) if students else "",
        "records": str(Path(records).resolve()) if records else "",
        "compare_as_of": compare_as_of or "",
        "deadline": deadline,
        "department": department,
        "college": college,
        "published": str(Path(published).resolve()) if published else "",
        "ledger": str(Path(ledger).resolve()) if ledger else "",
    }
    base = Path(out) / term
    if not (department or college or per_department or per_college):
        return [_one_briefing(params, base, progress_bar)]  # the notebook reads the data
    seniors = seniors_units(checked.students, checked.rules)
    # before any kernel starts
    check_scope(seniors, college=college, department=department, rules=checked.rules)
    if not (per_department or per_college):
        return [_one_briefing(params, base, progress_bar)]
    kind = "department" if per_department else "college"
    units = units_in_school_order(seniors, checked.rules, kind)
    done: dict[str, Path] = {}
    workers = workers or os.cpu_count() or 1
    from tqdm.auto import tqdm

    names = dict(zip(units, unique_names(units), strict=True))
    # Each worker in a process group of its own: a Ctrl-C reaches this process only, which
    # then ends the workers (and, through their parent watch, their kernels) at once; the
    # units finished stay, the others keep their earlier files (``atomic_dir``).
    pool = ProcessPoolExecutor(max_workers=min(workers, len(units)), initializer=os.setpgrp)
    try:
        futs = {
            pool.submit(_one_briefing, {**params, kind: u}, base / names[u], False): u
            for u in units
        }
        for f in tqdm(as_completed(futs), total=len(futs), desc=kind, disable=not progress_bar):
            done[futs[f]] = f.result()
    except BaseException:
        _stop_pool(pool, base)
        raise
    pool.shutdown(wait=True)
    from .report.term import TermReport

    school = TermReport.build(
        **{k: v for k, v in params.items() if k not in ("department", "college")}
    )
    links = {u: f"{names[u]}/term_briefing.html" for u in units}
    page = unit_index(school, links, kind)
    with atomic_path(base / "index.html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    return [done[u] for u in units]


def _index_page(report: TermReport, title: str, intro: str, head: str, rows: list[str]) -> str:
    from .present import made_at_text

    intro_text = intro.format(as_of=report.as_of_text(), made_at=made_at_text(report.made_at))
    return (
        f"<!DOCTYPE html><html lang='zh-Hant'><head><meta charset='utf-8'><title>{_e(title)}</title>"
        "<style>body{font-family:'Microsoft JhengHei','Noto Sans CJK TC',sans-serif;margin:2em}"
        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 8px}"
        "th{background:#f0f0f0}td.n{text-align:right}tr.total td{font-weight:bold;"
        "border-top:2px solid #333}</style></head><body>"
        f"<h1>{_e(title)}</h1><p>{_e(intro_text)}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>"
    )


def _rate_cells(report: TermReport, row: Any) -> str:
    from .present import count, percent

    cats = report.rules.result_categories
    return f"<td class='n'>{count(row['students'])}</td>" + "".join(
        f"<td class='n'>{percent(row[f'{c}_rate'])}</td>" for c in cats
    )


def _total_row(report: TermReport, span: int) -> str:
    from .present import SCHOOL

    return (
        f"<tr class='total'><td colspan='{span}'>{_e(SCHOOL.total_label)}</td>"
        + _rate_cells(report, report.school_total)
        + "</tr>"
    )


def _rate_heads(report: TermReport) -> str:
    rules = report.rules
    return f"<th>{_e(LABELS['measure']['students'])}</th>" + "".join(
        f"<th>{_e(rules.measure(c))}</th>" for c in rules.result_categories
    )


def unit_index(report: TermReport, links: dict[str, str], kind: str) -> str:
    """A per-unit run's ``index.html`` (``kind`` ``department`` or ``college``): the units in
    the school's order, each linked to its briefing, with its college where it has one."""
    from .thresholds import group_rows

    keys = ["college", "department"] if kind == "department" else ["college"]
    table = report.table if kind == "department" else report.by_college
    rows = []
    for _, r in group_rows(table).iterrows():
        u = r[kind]
        name = f"<a href='{_e(links[u])}'>{_e(u)}</a>" if u in links else _e(u)
        cells = [_e(r[k]) for k in keys[:-1]] + [name]
        tds = "".join(f"<td>{c}</td>" for c in cells)
        rows.append(f"<tr>{tds}{_rate_cells(report, r)}</tr>")
    rows.append(_total_row(report, len(keys)))
    head = "".join(f"<th>{_e(LABELS['group'][k])}</th>" for k in keys) + _rate_heads(report)
    title = _TITLES[f"index_{kind}"].format(term=report.rules.term)
    return _index_page(report, title, _INDEX[f"intro_{kind}"], head, rows)


def _e(value: Any) -> str:
    return html.escape(str(value))


def _stop_pool(pool: ProcessPoolExecutor, base: Path) -> None:
    """End a pool's workers now, with every process they started (a notebook's kernel runs in a
    session of its own, and would go on writing into its worker's staging folder for the second
    it takes to see its parent gone), then remove what they had staged in ``base``: the folders
    they were writing stay as they were before the run."""
    import contextlib
    import shutil

    import psutil

    procs = list((getattr(pool, "_processes", None) or {}).values())
    victims: list[psutil.Process] = []
    for proc in procs:
        try:
            worker = psutil.Process(proc.pid)
            worker.suspend()  # stopped, it starts nothing more
            victims += [worker, *worker.children(recursive=True)]
        except psutil.Error:  # gone already
            continue
    for v in victims:
        with contextlib.suppress(psutil.Error):  # gone meanwhile
            v.kill()
    psutil.wait_procs(victims, timeout=15)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.join(timeout=15)  # (killed: at once, but a loaded machine reaps late)
        for staged in base.glob(f".partial-{proc.pid}-*"):
            shutil.rmtree(staged, ignore_errors=True)
    remove_stale_partials(base)  # any other staging folder whose process is gone


def _check_files(published: str, ledger: str) -> None:
    """A published table and a ledger read before any kernel starts: a file that is not one
    stops here, in a second, not inside the notebook."""
    if published:
        if not Path(published).is_file():
            raise OptionError("published", published, say("messages_checks", "no_such_file"))
        from .loaders import load_published

        load_published(published)
    if ledger:
        if not Path(ledger).is_file():
            raise OptionError("ledger", ledger, say("messages_checks", "no_such_file"))
        from .ledger import check_ledger

        check_ledger(ledger)
