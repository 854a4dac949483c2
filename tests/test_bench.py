"""The benchmarks keep working between the times someone measures with them.

They run outside the test run, so nothing else would notice an import that rots: every script
with a ``main`` must start from the project root as ``python -m bench.<name>``. And they stand on
the product and ``testbed`` alone: no file of ``bench/`` imports a test module or changes
``sys.path`` (which would make an import work from one place and not another), nor does any
Python code one of them hands to a subprocess.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from testbed import REPO

BENCH = REPO / "bench"
FILES = sorted(BENCH.glob("*.py"))


def has_main(path: Path) -> bool:
    return any(isinstance(node, ast.FunctionDef) and node.name == "main"
               for node in ast.parse(path.read_text(encoding="utf-8")).body)


SCRIPTS = [path.stem for path in FILES if has_main(path)]


def python_in(tree: ast.AST) -> Iterator[ast.AST]:
    """``tree`` and every string constant in it that is Python code (code for ``python -c``)."""
    yield tree
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "\n" in node.value:
            try:
                code = ast.parse(node.value)
            except SyntaxError:
                continue
            yield from python_in(code)


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """The line and absolute name of every module imported anywhere in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"line {node.lineno}: a relative import; bench imports absolutely"
            yield node.lineno, node.module


def sys_path_uses(tree: ast.AST) -> Iterator[int]:
    """The lines that read or change ``sys.path``."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name)
                and node.value.id == "sys"):
            yield node.lineno
        if isinstance(node, ast.ImportFrom) and node.module == "sys" and any(
                alias.name == "path" for alias in node.names):
            yield node.lineno


def findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def codes(path: Path) -> list[ast.AST]:
    return list(python_in(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))


def test_the_benchmarks_are_found() -> None:
    assert (BENCH / "__init__.py").is_file(), "bench is a package"
    assert {"consent_throughput", "consent_lookup", "consent_phases", "site_build"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_benchmark_starts_from_the_project_root(name: str) -> None:
    done = subprocess.run([sys.executable, "-m", f"bench.{name}", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: "), done.stdout


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_no_benchmark_imports_a_test_module(path: Path) -> None:
    found = [f"{path.name}:{line}: {module}" for code in codes(path)
             for line, module in imported_modules(code) if module.split(".")[0] == "tests"]
    assert found == []


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_no_benchmark_touches_sys_path(path: Path) -> None:
    found = [f"{path.name}:{line}" for code in codes(path) for line in sys_path_uses(code)]
    assert found == []


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_module_a_benchmark_imports_is_there(path: Path) -> None:
    """Also the imports inside functions, which ``--help`` does not reach."""
    missing = [f"{path.name}:{line}: {module}" for code in codes(path)
               for line, module in imported_modules(code) if not findable(module)]
    assert missing == []
