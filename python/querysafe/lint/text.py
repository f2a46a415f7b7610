"""QuerySet chains in Python's ast, written as querysafe's query text (part of querysafe.lint).

ChainWriter finds a chain (``Model.objects`` or a name bound to one, then calls and subscripts),
and writes it with the source position of every piece, so that a diagnostic's span maps back to
the file. Values not known statically become ``$p1``, ``$p2``...; a shape the language has no
text for raises Skip, and the chain goes unchecked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

# The managers a model's QuerySet starts from (Django's default manager and its aliases).
_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})

# QuerySet methods querysafe's language takes (lib/parse/methods.cc).
_METHODS = frozenset("""aggregate alias all annotate count dates datetimes defer delete difference
    distinct exclude exists filter first get in_bulk intersection last none only order_by reverse
    select_related union update using values values_list""".split())
# Methods after which the chain is no longer a QuerySet: a chain ending in one is not followed.
TERMINAL = frozenset("aggregate count delete exists first get in_bulk last update".split())
# Django's async variants (aget, acount...) send the same query as their sync method.
_ASYNC = {"a" + name: name for name in TERMINAL}
# QuerySet methods that change nothing querysafe checks: left out of the text.
_TRANSPARENT = frozenset({"prefetch_related", "select_for_update"})
# Methods whose positional arguments are QuerySets.
_COMBINATORS = frozenset({"union", "intersection", "difference"})
# django.shortcuts: get_object_or_404(Model or QuerySet, **lookups) is a get(); the list one a filter().
_SHORTCUTS = {"get_object_or_404": "get", "get_list_or_404": "filter"}

# Function names querysafe's language knows (lib/parse/call_arguments.cc), by the dotted name the
# application's imports give them, and the name the query text spells them with.
_AGGREGATES = ("Avg", "Count", "Max", "Min", "StdDev", "Sum", "Variance")
_BUILTINS: Dict[str, str] = {}
for _name in ("Q", "F") + _AGGREGATES:
    for _prefix in ("", "models.", "django.db.models.", "django.db.models.aggregates."):
        _BUILTINS[_prefix + _name] = _name
for _name in ("date", "datetime", "time", "timedelta", "timezone"):
    _BUILTINS[_name] = _BUILTINS["datetime." + _name] = _name
_BUILTINS.update({"Decimal": "Decimal", "decimal.Decimal": "Decimal", "UUID": "UUID",
                  "uuid.UUID": "UUID", "ObjectId": "ObjectId", "bson.ObjectId": "ObjectId",
                  "bson.objectid.ObjectId": "ObjectId", "float": "float"})
_CONSTANTS: Dict[str, str] = {"UTC": "UTC", "datetime.UTC": "UTC", "timezone.utc": "timezone.utc",
                              "datetime.timezone.utc": "timezone.utc"}
for _prefix in ("", "models.", "django.db.models."):
    for _name in ("AND", "OR", "XOR"):
        _CONSTANTS[f"{_prefix}Q.{_name}"] = f"Q.{_name}"
# Expressions: a Q tree, F(), an aggregate. Values: constructors whose arguments must be literals.
_EXPRESSIONS = frozenset(("Q", "F") + _AGGREGATES)
_VALUES = frozenset({"Decimal", "UUID", "ObjectId", "float", "date", "datetime", "time",
                     "timedelta", "timezone"})


class Skip(Exception):
    """The expression cannot be written in querysafe's language: it is left unchecked."""


@dataclass
class Binding:
    """A name bound by straight-line code to a QuerySet (``chain``) or a Q/F expression, with the
    bindings in force where it was assigned (its own names resolve through those)."""

    node: ast.expr
    env: Dict[str, "Binding"]
    chain: bool


class ChainText:
    """The query text being written, with the source position of every piece, so that a
    diagnostic's byte span maps back to the line and column in the linted file."""

    def __init__(self):
        self.parts: List[str] = []
        self.size = 0  # UTF-8 bytes, the unit of diagnostic spans
        self.segments: List[Tuple[int, int, Tuple[int, int]]] = []
        self.params = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text.encode("utf-8", "surrogatepass"))

    def begin(self) -> int:
        return self.size

    def end(self, start: int, position: Tuple[int, int]) -> None:
        self.segments.append((start, self.size, position))

    def param(self) -> None:
        self.params += 1
        self.write(f"$p{self.params}")

    def text(self) -> str:
        return "".join(self.parts)

    def position(self, offset: int) -> Optional[Tuple[int, int]]:
        """The innermost piece of source that contains byte ``offset``."""
        best = None
        for start, end, position in self.segments:
            if start <= offset < end or (start == offset == end):
                if best is None or end - start < best[1] - best[0]:
                    best = (start, end, position)
        if best is None and self.segments:  # past the end: the last piece
            best = max(self.segments, key=lambda s: (s[1], -s[0]))
        return best[2] if best else None


def source_position(node: ast.AST) -> Tuple[int, int]:
    return (node.lineno, node.col_offset + 1)


def _method_position(node: ast.Attribute) -> Tuple[int, int]:
    """Where the method's name is (``.filter`` on a later line of a multi-line chain)."""
    if node.end_lineno is not None and node.end_col_offset is not None:
        return (node.end_lineno, node.end_col_offset - len(node.attr) + 1)
    return source_position(node)


def _dotted(node: ast.expr) -> Optional[List[str]]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _literal(node: ast.expr) -> bool:
    """A value written entirely with literals: it can go into the text as it is."""
    if isinstance(node, ast.Constant):
        return node.value is not Ellipsis and not isinstance(node.value, complex)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _literal(node.operand)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_literal(e) for e in node.elts)
    return False


class ChainWriter:
    """Chains of one parsed module, against the models of a schema."""

    def __init__(self, tree: ast.Module, model_names):
        self.models = frozenset(model_names)
        self.imports = self._imports(tree)
        self.fixed = self._fixed_names(tree)

    # -- names --------------------------------------------------------------------------------

    @staticmethod
    def _imports(tree: ast.Module) -> Dict[str, str]:
        """Local name -> the dotted name it was imported as (``dt`` -> ``datetime``)."""
        out = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        out[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        out[top] = top
            elif isinstance(node, ast.ImportFrom):
                base = "." * node.level + (node.module or "")
                for alias in node.names:
                    if alias.name != "*":
                        out[alias.asname or alias.name] = f"{base}.{alias.name}".lstrip(".")
        return out

    @staticmethod
    def _fixed_names(tree: ast.Module) -> frozenset:
        """Names some function declares global or nonlocal: assignments elsewhere can rebind
        them at any time, so they are never followed."""
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                names.update(node.names)
        return frozenset(names)

    def _canonical(self, node: ast.expr) -> Optional[str]:
        parts = _dotted(node)
        if parts is None:
            return None
        if parts[0] in self.imports:
            return ".".join([self.imports[parts[0]]] + parts[1:])
        return ".".join(parts)

    def _builtin(self, node: ast.expr) -> Optional[str]:
        name = self._canonical(node)
        return _BUILTINS.get(name) if name else None

    def _constant(self, node: ast.expr) -> Optional[str]:
        name = self._canonical(node)
        return _CONSTANTS.get(name) if name else None

    def _model(self, node: ast.expr) -> Optional[str]:
        """The schema's model a class reference names (``Patient``, ``models.Patient``)."""
        name = self._canonical(node)
        if name is None:
            return None
        short = name.rsplit(".", 1)[-1]
        return short if short in self.models else None

    def _expression(self, node: ast.expr, env) -> bool:
        """Whether ``node`` is a Q/F/aggregate expression (worth binding to a name)."""
        if isinstance(node, ast.Call):
            return self._builtin(node.func) in _EXPRESSIONS
        if isinstance(node, ast.BinOp):
            return self._expression(node.left, env) or self._expression(node.right, env)
        if isinstance(node, ast.UnaryOp):
            return self._expression(node.operand, env)
        if isinstance(node, ast.Name):
            binding = env.get(node.id)
            return binding is not None and not binding.chain
        return False

    # -- chains -------------------------------------------------------------------------------

    def _steps(self, node: ast.expr, env):
        """(root, steps) for a QuerySet chain, or None. The root is a model name, or a binding;
        steps are ("call", method, Call node, Attribute node) or ("index", Subscript node), first
        to last."""
        steps = []
        while True:
            if isinstance(node, ast.Await):
                node = node.value
            elif isinstance(node, ast.Call) and self._shortcut(node):
                steps.append(("shortcut", self._shortcut(node), node, None))
                first = node.args[0]
                model = self._model(first)
                if model:
                    return ("model", model, first), steps[::-1]
                node = first
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                steps.append(("call", node.func.attr, node, node.func))
                node = node.func.value
            elif isinstance(node, ast.Subscript):
                steps.append(("index", None, node, None))
                node = node.value
            elif isinstance(node, ast.Attribute) and node.attr in _MANAGERS:
                model = self._model(node.value)
                return (("model", model, node), steps[::-1]) if model else None
            elif isinstance(node, ast.Name) and node.id in env and env[node.id].chain:
                return ("binding", env[node.id], node), steps[::-1]
            else:
                return None

    def _shortcut(self, node: ast.Call) -> Optional[str]:
        """get() or filter() for django.shortcuts.get_object_or_404 and get_list_or_404."""
        if not node.args or not isinstance(node.func, (ast.Name, ast.Attribute)):
            return None
        name = self._canonical(node.func) or ""
        return _SHORTCUTS.get(name.rsplit(".", 1)[-1])

    def _usable(self, steps):
        """The steps querysafe can check: async methods renamed, transparent ones dropped, cut
        before the first method the language does not have. Returns (steps, complete)."""
        out = []
        for step in steps:
            if step[0] == "call":
                method = _ASYNC.get(step[1], step[1])
                if method in _TRANSPARENT:
                    continue
                if method not in _METHODS:
                    return out, False
                step = ("call", method, step[2], step[3])
            out.append(step)
        return out, True

    def _write_chain(self, text: ChainText, root, steps, env) -> None:
        kind, what, node = root
        start = text.begin()
        if kind == "model":
            text.write(f"{what}.objects")
            text.end(start, source_position(node))
        else:
            inner = self._steps(what.node, what.env)
            if inner is None:
                raise Skip("a binding that is no chain")
            inner_steps, complete = self._usable(inner[1])
            if not complete:
                raise Skip("a binding through a method querysafe does not have")
            self._write_chain(text, inner[0], inner_steps, what.env)
        for step in steps:
            self._write_step(text, step, env)

    def _write_step(self, text: ChainText, step, env) -> None:
        kind, method, node, attribute = step
        if kind == "index":
            start = text.begin()
            text.write("[")
            s = node.slice
            if isinstance(s, ast.Slice):
                for i, part in enumerate((s.lower, s.upper, s.step)):
                    if i:
                        if i == 2 and part is None:
                            break
                        text.write(":")
                    if part is not None:
                        self._write_value(text, part, env)
            else:
                self._write_value(text, s, env)
            text.write("]")
            text.end(start, source_position(node.slice))
            return
        args = node.args[1:] if kind == "shortcut" else node.args
        start = text.begin()
        text.write(f".{method}(")
        self._write_arguments(text, args, node.keywords, env, querysets=method in _COMBINATORS)
        text.write(")")
        text.end(start, _method_position(attribute) if attribute is not None else source_position(node))

    def _write_arguments(self, text: ChainText, args, keywords, env, querysets=False) -> None:
        first = True
        for arg in args:
            if not first:
                text.write(", ")
            first = False
            start = text.begin()
            if isinstance(arg, ast.Starred):
                if not isinstance(arg.value, (ast.List, ast.Tuple)):
                    raise Skip("*arguments")
                text.write("*")
                self._write_value(text, arg.value, env)
            elif querysets:
                found = self._steps(arg, env)
                if found is None:
                    raise Skip("a QuerySet argument that is not a chain")
                steps, complete = self._usable(found[1])
                if not complete:
                    raise Skip("a QuerySet argument through a method querysafe does not have")
                self._write_chain(text, found[0], steps, env)
            else:
                self._write_value(text, arg, env)
            text.end(start, source_position(arg))
        for keyword in keywords:
            if not first:
                text.write(", ")
            first = False
            start = text.begin()
            if keyword.arg is None:
                value = keyword.value
                if not isinstance(value, ast.Dict) or not all(
                        isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys):
                    raise Skip("**keywords")
                text.write("**{")
                for i, (k, v) in enumerate(zip(value.keys, value.values)):
                    item = text.begin()
                    text.write(("" if i == 0 else ", ") + repr(k.value) + ": ")
                    self._write_value(text, v, env)
                    text.end(item, source_position(k))
                text.write("}")
            else:
                text.write(keyword.arg + "=")
                self._write_value(text, keyword.value, env)
            text.end(start, source_position(keyword))

    def _write_value(self, text: ChainText, node: ast.expr, env) -> None:
        start = text.begin()
        self._write_value_inner(text, node, env)
        text.end(start, source_position(node))

    def _write_value_inner(self, text: ChainText, node: ast.expr, env) -> None:
        if _literal(node) and not isinstance(node, (ast.List, ast.Tuple)):
            if isinstance(node, ast.Constant):
                value = node.value
                if isinstance(value, float) and value != value:
                    text.write('float("nan")')
                elif isinstance(value, float) and value in (float("inf"), float("-inf")):
                    text.write('float("inf")' if value > 0 else 'float("-inf")')
                else:
                    text.write(repr(value))
            else:
                text.write("-" if isinstance(node.op, ast.USub) else "+")
                self._write_value(text, node.operand, env)
            return
        if isinstance(node, (ast.List, ast.Tuple)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                text.param()
                return
            open_, close = ("[", "]") if isinstance(node, ast.List) else ("(", ")")
            text.write(open_)
            for i, element in enumerate(node.elts):
                if i:
                    text.write(", ")
                self._write_value(text, element, env)
            if isinstance(node, ast.Tuple) and len(node.elts) == 1:
                text.write(",")
            text.write(close)
            return
        if isinstance(node, ast.Name) and node.id in env and not env[node.id].chain:
            binding = env[node.id]
            text.write("(")
            self._write_value(text, binding.node, binding.env)
            text.write(")")
            return
        if isinstance(node, (ast.Name, ast.Attribute)):
            constant = self._constant(node)
            if constant:
                text.write(constant)
            else:
                text.param()
            return
        if isinstance(node, ast.Call):
            name = self._builtin(node.func)
            if name in _EXPRESSIONS:
                if name == "F" and not (len(node.args) == 1 and not node.keywords
                                        and isinstance(node.args[0], ast.Constant)
                                        and isinstance(node.args[0].value, str)):
                    raise Skip("F() of a name not known statically")
                text.write(name + "(")
                self._write_arguments(text, node.args, node.keywords, env)
                text.write(")")
                return
            if name in _VALUES and all(self._static(a) for a in node.args) and all(
                    k.arg is not None and self._static(k.value) for k in node.keywords):
                text.write(name + "(")
                self._write_arguments(text, node.args, node.keywords, env)
                text.write(")")
                return
            text.param()
            return
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert) and self._expression(
                node.operand, env):
            text.write("~")
            self._write_value(text, node.operand, env)
            return
        if isinstance(node, ast.BinOp) and (self._expression(node, env) or self._static(node)):
            operators = {ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Add: "+",
                         ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
                         ast.Mod: "%", ast.Pow: "**"}
            operator = operators.get(type(node.op))
            if operator is None:
                raise Skip("an operator")
            text.write("(")
            self._write_value(text, node.left, env)
            text.write(f") {operator} (")
            self._write_value(text, node.right, env)
            text.write(")")
            return
        text.param()

    def _static(self, node: ast.expr) -> bool:
        """A value known without running the code: literals, constants and the constructors of
        querysafe's language over them."""
        if _literal(node):
            return True
        if isinstance(node, (ast.List, ast.Tuple)):
            return all(self._static(e) for e in node.elts)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self._constant(node) is not None
        if isinstance(node, ast.Call):
            return self._builtin(node.func) in _VALUES and all(
                self._static(a) for a in node.args) and all(
                k.arg is not None and self._static(k.value) for k in node.keywords)
        if isinstance(node, ast.BinOp):
            return self._static(node.left) and self._static(node.right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self._static(node.operand)
        return False

    def _annotates(self, root, steps) -> bool:
        """Whether the chain (bindings included) names expressions: annotate(), alias(), or
        values() with keywords."""
        while root[0] == "binding":
            inner = self._steps(root[1].node, root[1].env)
            root, steps = inner[0], inner[1] + list(steps)
        return any(s[0] == "call" and s[1] in ("annotate", "alias", "values", "values_list")
                   and s[2].keywords for s in steps)

