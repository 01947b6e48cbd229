"""Sphinx's vocabulary, shared by the reStructuredText reader and the Markdown reader's MyST
(Sphinx's Markdown: ```{note} blocks, {func}`name` roles). Plain data, and one test of a
directive's content against Python's own parser."""

from __future__ import annotations

import ast
import re
import textwrap

# Directives that only steer Sphinx's output or navigation: nothing to read.
DROPPED_DIRECTIVES = frozenset(
    "toctree index highlight literalinclude module currentmodule sectionauthor moduleauthor codeauthor "
    "tabularcolumns testsetup testcleanup include raw image figure autosummary automodule autoclass "
    "autofunction automethod autodata autoattribute autoexception default-role default-domain "
    "program cmdoption-group contents graphviz graph digraph inheritance-diagram mermaid plantuml uml".split()
)
# Directives whose content is code (so is the content of a directive roleqa does not know when it
# reads as Python: looks_like_code).
CODE_DIRECTIVES = frozenset("code-block sourcecode code code-cell doctest testcode testoutput".split())
# Directives whose arguments are a signature or an expression, kept as written ("f(*args, **kw)");
# so are those of a domain's directives ("py:function", "click:example"). Any other directive's
# arguments are prose, marked up like a paragraph (".. seealso:: The `tips <https://...>`_.",
# ".. versionadded:: 3.1 / The :class:`NullHandler` class.", ".. tab:: ``lsof`` (macOS)").
SIGNATURES = frozenset(
    "function method class attribute property data exception decorator decoratormethod classmethod "
    "staticmethod abstractmethod coroutinefunction coroutinemethod envvar option cmdoption describe object "
    "confval type macro member var struct enum enumerator union concept math productionlist only ifconfig".split()
)
_TARGET = re.compile(r"^(.*?)\s*<[^<>]*>$", re.S)


def prose_arguments(directive: str) -> bool:
    """Are this directive's arguments prose (marked up), not a signature kept as written?"""
    return ":" not in directive and directive not in SIGNATURES


def role_text(text: str) -> tuple[str, bool]:
    """What Sphinx shows for a role's text: "text <target>" shows "text", "~mod.func" shows "func",
    "!name" shows "name"; and whether a title of its own was given (the first form)."""
    shown = _TARGET.match(text)
    label = shown.group(1) if shown else text
    if label.startswith("~"):
        label = label[1:].rsplit(".", 1)[-1]
    return label.lstrip("!"), bool(shown)


# Python that prose never makes: a statement, or a call. Not an expression alone ("not available",
# "Deprecated"), "pass", or an annotation without a value ("Note: foo").
_CODE_NODES = (ast.stmt, ast.Call)
_PROSE_NODES = (ast.Expr, ast.Pass, ast.AnnAssign)


def looks_like_code(content: str) -> bool:
    """Is a directive's content Python code ("import click" / "@click.command()" / ...; an
    extension's example, such as click's `.. click:example::`), not reST or Markdown prose?"""
    try:
        tree = ast.parse(textwrap.dedent(content).strip("\n"))
    except (SyntaxError, ValueError):  # ValueError: a NUL in the text
        return False
    return any(isinstance(n, _CODE_NODES) and not isinstance(n, _PROSE_NODES) for n in ast.walk(tree))
