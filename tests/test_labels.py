"""The label table (ncut_analysis/labels.py, label_tables/*.toml): one mapping read from one file
per area, and the rule that words a reader sees live there, not in the package's Python."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ncut_analysis
from ncut_analysis import labels

PACKAGE = Path(ncut_analysis.__file__).parent
# Han characters, CJK punctuation and full-width forms: what a reader of the pages would see.
_CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def chinese_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant holding Chinese, docstrings aside."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and _CJK.search(node.value)
    ]


def test_the_literal_finder_sees_code_and_skips_docstrings_and_comments():
    source = '"""模組說明"""\n\ndef f():\n    """函式說明"""\n    # 註解\n    return "全校" + "x"\n'
    assert chinese_literals(source) == [(6, "全校")]


def test_no_chinese_literal_in_the_package_python():
    found = {
        str(path.relative_to(PACKAGE)): chinese_literals(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    left = {module: hits[:3] for module, hits in found.items() if hits}
    assert not left, f"{sum(len(h) for h in found.values())} literals, first of each: {left}"


def test_the_table_is_read_from_every_file_of_the_folder():
    files = sorted(labels.LABELS_DIR.glob("*.toml"))
    assert files, "no label file"
    # common.toml's sections are all there, and a section from each file is found.
    import tomllib

    for path in files:
        with path.open("rb") as fh:
            for section, entries in tomllib.load(fh).items():
                assert dict(labels.LABELS[section]) == entries


def test_a_section_in_two_files_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "a.toml").write_text('[group]\ncollege = "學院"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[group]\nclass = "班級"\n', encoding="utf-8")
    monkeypatch.setattr(labels, "LABELS_DIR", tmp_path)
    with pytest.raises(RuntimeError, match=r"\[group\].*a\.toml.*b\.toml"):
        labels._load()


# An English sentence (three words or more) handed to an error or a warning a reader sees.
_SENTENCE = re.compile(r"[A-Za-z]+ [a-z]+ [a-z]+")
_PROGRAMMERS = {"ValueError", "AttributeError", "TypeError", "RuntimeError", "KeyError"}


def english_messages(source: str) -> list[tuple[int, str]]:
    """(line, text) of English sentences given to a ``…Error``/``…Warning``/``Problem``/``warn``
    call that office staff would read (programmers' errors aside)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
        if name in _PROGRAMMERS or not re.search(r"(Error|Warning|Problem|warn)$", name):
            continue
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            for c in ast.walk(arg):
                text = c.value if isinstance(c, ast.Constant) else None
                if isinstance(text, str) and _SENTENCE.search(text):
                    found.append((c.lineno, text))
    return found


def test_the_english_message_finder_sees_a_sentence_and_skips_programmers_errors():
    source = 'raise OptionError("x", 1, "the seed must be positive")\nraise ValueError("a bug in here")\n'
    assert english_messages(source) == [(1, "the seed must be positive")]


def test_no_english_message_for_a_reader():
    found = {
        str(p.relative_to(PACKAGE)): hits
        for p in sorted(PACKAGE.rglob("*.py"))
        if (hits := english_messages(p.read_text(encoding="utf-8")))
    }
    assert not found
