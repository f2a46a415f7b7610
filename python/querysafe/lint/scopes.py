"""The statements of a module, walked with the names bound to QuerySets in straight-line code
(part of querysafe.lint): each chain found is written as query text, compiled against the schema,
and its refusals become findings."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Optional, Sequence

from ..core import Query, Schema
from ..errors import Error
from .text import TERMINAL, Binding, ChainText, ChainWriter, Skip, source_position

# Categories of a compile diagnostic that are a refusal of the query. A SyntaxError means the text
# the lint wrote is outside querysafe's language (a parameter where a literal must be, a shape it
# does not take): the lint's limitation, not the application's mistake, so the query is skipped.
_REFUSALS = frozenset({"FieldError", "ValidationError", "NotSupportedError"})


@dataclass(frozen=True, order=True)
class Finding:
    """One refused query: where (1-based line and column, as flake8 counts), the code it prints
    (``QS`` and the server's error code), querysafe's diagnostic code and the message."""

    path: str
    line: int
    column: int
    code: str
    message: str
    querysafe_code: str = ""

    def __str__(self) -> str:
        suffix = f" [{self.querysafe_code}]" if self.querysafe_code else ""
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}{suffix}"


class ModuleLint(ChainWriter):
    """The lint of one parsed file."""

    def __init__(self, path: str, tree: ast.Module, lines: Sequence[str], schema: Schema,
                 server_version: str, verbose):
        super().__init__(tree, schema.model_names)
        self.path = path
        self.lines = lines
        self.schema = schema
        self.server_version = server_version
        self.verbose = verbose
        self.findings: Dict[tuple, Finding] = {}

    def _check(self, found, env) -> List[ast.expr]:
        """Checks one chain; returns the argument nodes of its own steps (where chains nested
        in it are looked for)."""
        root, steps = found
        own: List[ast.expr] = []
        for kind, _, node, _ in steps:
            if kind == "index":
                own.append(node.slice)
            else:
                own.extend(node.args[1:] if kind == "shortcut" else node.args)
                own.extend(k.value for k in node.keywords)
        steps, _ = self._usable(steps)
        if not steps:
            return own
        text = ChainText()
        try:
            self._write_chain(text, root, steps, env)
        except Skip as e:
            self._log(root[2], f"skipped ({e})")
            return own
        except RecursionError:
            self._log(root[2], "skipped (nested too deeply)")
            return own
        query = text.text()
        try:
            Query.compile(self.schema, query, server_version=self.server_version)
        except Error as e:
            categories = {d.category for d in e.diagnostics}
            if not categories <= _REFUSALS:
                self._log(root[2], f"skipped, outside querysafe's language: {query}")
                return own
            if any(d.code == "field.unknown" for d in e.diagnostics) and self._annotates(root, steps):
                # querysafe resolves lookups on model fields only: a name the chain annotated is
                # its limitation, not the application's mistake.
                self._log(root[2], f"skipped, a lookup on an annotation: {query}")
                return own
            for d in e.diagnostics:
                line, column = text.position(d.span[0]) or source_position(root[2])
                code = f"QS{d.server_code}" if d.server_code else "QS000"
                message = " ".join(d.message.split())
                key = (line, column, d.code)
                if key not in self.findings and not self._noqa(line, code):
                    self.findings[key] = Finding(self.path, line, column, code, message, d.code)
            return own
        self._log(root[2], f"accepted: {query}")
        return own

    def _noqa(self, line: int, code: str) -> bool:
        """flake8's ``# noqa`` and ``# noqa: QS51092,...`` on the finding's line."""
        if not 0 < line <= len(self.lines):
            return False
        physical = self.lines[line - 1]
        at = physical.lower().find("# noqa")
        if at < 0:
            return False
        rest = physical[at + len("# noqa"):]
        if not rest.lstrip().startswith(":"):
            return True
        codes = rest.lstrip()[1:].replace(",", " ").split()
        return code in codes

    def _log(self, node: ast.AST, what: str) -> None:
        if self.verbose:
            line, column = source_position(node)
            print(f"{self.path}:{line}:{column}: {what}", file=self.verbose)

    # -- expressions and statements -----------------------------------------------------------

    def visit_expr(self, node: ast.AST, env) -> None:
        """Checks every chain in an expression, nested ones included. Iterative: a long
        expression (a string of 1,000 concatenations) must not exhaust Python's stack."""
        stack = [(node, env)]
        while stack:
            node, env = stack.pop()
            if isinstance(node, ast.expr):
                found = self._steps(node, env)
                if found is not None and found[1]:
                    stack.extend((argument, env) for argument in self._check(found, env))
                    continue
            if isinstance(node, ast.Lambda):
                stack.append((node.args, env))
                stack.append((node.body, {}))  # runs later: the names' values then are unknown
                continue
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                bound = set()
                for generator in node.generators:
                    bound.update(_stored_names(generator.target))
                env = {k: v for k, v in env.items() if k not in bound}
            stack.extend((child, env) for child in ast.iter_child_nodes(node)
                         if not isinstance(child, ast.stmt))

    def visit_body(self, body: Iterable[ast.stmt], env: Dict[str, Binding]) -> None:
        """Straight-line statements: bindings made here hold for the statements after them."""
        for statement in body:
            self.visit_statement(statement, env)

    def visit_statement(self, st: ast.stmt, env: Dict[str, Binding]) -> None:
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for expr in st.decorator_list + [st.args] + ([st.returns] if st.returns else []):
                self.visit_expr(expr, env)
            # A function runs later, with whatever its free names hold then: it starts empty.
            self.visit_body(st.body, {})
            env.pop(st.name, None)
        elif isinstance(st, ast.ClassDef):
            for expr in st.decorator_list + st.bases + [k.value for k in st.keywords]:
                self.visit_expr(expr, env)
            self.visit_body(st.body, dict(env))  # runs now, in a namespace of its own
            env.pop(st.name, None)
        elif isinstance(st, (ast.Assign, ast.AnnAssign)):
            value = st.value
            if value is not None:
                self.visit_expr(value, env)
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            if isinstance(st, ast.AnnAssign):
                self.visit_expr(st.annotation, env)
            for target in targets:
                if not isinstance(target, ast.Name):
                    self.visit_expr(target, env)
            names = {n for t in targets for n in _stored_names(t)}
            try:
                binding = self._binding(value, env) if value is not None else None
            except RecursionError:
                binding = None
            for name in names:
                env.pop(name, None)
            if (binding and len(targets) == 1 and isinstance(targets[0], ast.Name)
                    and targets[0].id not in self.fixed):
                env[targets[0].id] = binding
            self._forget_walrus(st, env)
        elif isinstance(st, (ast.With, ast.AsyncWith)):
            for item in st.items:
                self.visit_expr(item.context_expr, env)
                if item.optional_vars is not None:
                    for name in _stored_names(item.optional_vars):
                        env.pop(name, None)
            self.visit_body(st.body, env)  # the body runs once, straight on
        elif isinstance(st, ast.If):
            self.visit_expr(st.test, env)
            self._forget_walrus(st.test, env)
            # Each branch is straight-line from here; after the if, what either assigned is unknown.
            self.visit_body(st.body, dict(env))
            self.visit_body(st.orelse, dict(env))
            self._forget(st, env)
        elif isinstance(st, (ast.For, ast.AsyncFor, ast.While)):
            # The body may run again after assigning: what it assigns is unknown throughout.
            self._forget(st, env)
            self.visit_expr(st.iter if not isinstance(st, ast.While) else st.test, env)
            self.visit_body(st.body, dict(env))
            self.visit_body(st.orelse, dict(env))
            self._forget(st, env)
        elif isinstance(st, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            self.visit_body(st.body, dict(env))
            inner = dict(env)
            self._forget(st, inner)  # a handler may start anywhere in the body
            for handler in st.handlers:
                if handler.type is not None:
                    self.visit_expr(handler.type, inner)
                self.visit_body(handler.body, dict(inner))
            self.visit_body(st.orelse, dict(inner))
            self.visit_body(st.finalbody, dict(inner))
            self._forget(st, env)
        elif isinstance(st, getattr(ast, "Match", ())):
            self.visit_expr(st.subject, env)
            inner = dict(env)
            self._forget(st, inner)
            for case in st.cases:
                if case.guard is not None:
                    self.visit_expr(case.guard, inner)
                self.visit_body(case.body, dict(inner))
            self._forget(st, env)
        else:
            for child in ast.iter_child_nodes(st):
                if isinstance(child, ast.stmt):
                    self.visit_statement(child, env)
                else:
                    self.visit_expr(child, env)
            self._forget(st, env)

    def _binding(self, value: ast.expr, env) -> Optional[Binding]:
        found = self._steps(value, env)
        if found is not None:
            steps, complete = self._usable(found[1])
            if complete and not any(s[0] == "shortcut" or (s[0] == "call" and s[1] in TERMINAL)
                                    for s in steps):
                return Binding(value, dict(env), True)
            return None
        if self._expression(value, env):
            return Binding(value, dict(env), False)
        return None

    def _forget(self, node: ast.AST, env) -> None:
        for name in _assigned_names(node):
            env.pop(name, None)

    def _forget_walrus(self, node: ast.AST, env) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                env.pop(sub.target.id, None)


def _stored_names(target: ast.AST) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Starred) and isinstance(node.value, ast.Name):
            yield node.value.id


def _assigned_names(node: ast.AST) -> set:
    """Every name a statement (with its nested blocks) can bind in the current scope."""
    names = set()
    stack = [node]
    while stack:
        current = stack.pop()
        for child in ast.iter_child_nodes(current):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(child.name)
                continue
            if isinstance(child, ast.Lambda):
                continue
            if isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
                names.add(child.id)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in child.names)
            elif isinstance(child, ast.ExceptHandler) and child.name:
                names.add(child.name)
            elif type(child).__name__ in ("MatchAs", "MatchStar") and getattr(child, "name", None):
                names.add(child.name)
            elif type(child).__name__ == "MatchMapping" and getattr(child, "rest", None):
                names.add(child.rest)
            stack.append(child)
    return names


