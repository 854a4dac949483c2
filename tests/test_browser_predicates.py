"""Every page the browser tests open has a CSP without ``'unsafe-eval'``. Playwright evaluates a
``wait_for_function`` expression again at every poll, which that CSP refuses as soon as the first
check was false (a test that fails only when the page is slow); a function is evaluated once and
then called. So every predicate written in the tests is a function."""

from __future__ import annotations

import ast

from testbed import REPO

FILES = sorted(path for folder in ("tests", "testbed") for path in (REPO / folder).rglob("*.py"))


def literal_predicates(tree: ast.AST) -> list[tuple[int, str]]:
    """``(line, text)`` of each string literal given to ``wait_for_function``."""
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "wait_for_function" and node.args):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
            elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                found.append((node.lineno, str(first.values[0].value)))
    return found


def is_function(source: str) -> bool:
    text = source.strip()
    return text.startswith(("() =>", "function", "async ")) or text.startswith("(") and "=>" in text


def test_every_predicate_a_browser_test_waits_for_is_a_function() -> None:
    expressions = [f"{path.relative_to(REPO)}:{line}: {text}" for path in FILES
                   for line, text in literal_predicates(ast.parse(path.read_text(encoding="utf-8")))
                   if not is_function(text)]
    assert expressions == []


def test_the_check_sees_an_expression_predicate() -> None:
    tree = ast.parse('page.wait_for_function("window.psConsent")\n'
                     'page.wait_for_function(f"() => x.includes({y})")\n')
    assert [is_function(text) for _, text in literal_predicates(tree)] == [False, True]
