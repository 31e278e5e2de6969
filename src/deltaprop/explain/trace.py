"""One forward and one backward pass, recorded operation by operation from the computation itself.

``trace(net, X, Y)`` runs the network's own ``_forward`` and ``_backward`` on arrays that report
every numpy operation performed on them, then names what was computed by identity: the objects
the core stored as ``Z[l]``, ``A[l]``, ``delta[l]`` and returned as ``dW[l]``, ``db[l]``. Nothing
here describes the equations a second time; a change in the core changes the trace.

Shapes, in the report's notation (examples are columns)::

    A[0] = X (n_x, m)    W[l] (n[l], n[l-1])    b[l] (n[l], 1)    Y (n_y, m)
    Z[l], A[l], delta[l] (n[l], m)              dW[l] like W[l]   db[l] like b[l]

Floating-point operations (flops) are counted per recorded numpy operation:

* a matrix product (n, k) @ (k, m) counts 2 n k m (one multiply and one add per term);
* an element-wise operation (arithmetic, comparison, exp, tanh, max, ...) counts one per element
  of its result;
* a reduction (a sum over examples, a max over units) counts one per element of its input;
* transposes, casts, copies, reshapes, ``np.where`` selections and fills count 0.

A call of an activation g, its derivative g' or the loss derivative dJ/dA is recorded as one
operation whose flops are those of the numpy operations it ran (listed as its ``primitives``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field

import numpy as np

# ---------------------------------------------------------------------- recording


class _Recorded(np.ndarray):
    """An ndarray that reports every operation performed on it to its recorder.

    Each operation runs on plain ndarray views of its operands, so the numbers are exactly those
    of an unrecorded run; results come back as ``_Recorded`` so that the next operation is seen.
    """

    _recorder: _Recorder | None = None

    def __array_finalize__(self, obj):
        self._recorder = getattr(obj, "_recorder", None)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        rec = _recorder_of(inputs)
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_plain(o) for o in out)
        result = getattr(ufunc, method)(*map(_plain, inputs), **kwargs)
        if result is NotImplemented:
            return NotImplemented
        if out is not None:  # written in place: the caller's own arrays are the result
            result = out[0] if len(out) == 1 else tuple(out)
        else:
            result = _wrap(result, rec)
        if rec is not None:
            name = _ALIASES.get(ufunc.__name__, ufunc.__name__)
            op = name if method == "__call__" else f"{name}.{method}"
            where = kwargs.get("where")
            extra = (where,) if isinstance(where, np.ndarray) else ()
            outputs = result if isinstance(result, tuple) else (result,)
            rec.primitive(op, (*inputs, *extra), outputs, axis=kwargs.get("axis", 0))
        return result

    def __array_function__(self, func, types, args, kwargs):
        rec = _recorder_of((*args, *kwargs.values()))
        result = _wrap(func(*_plain_tree(args), **_plain_tree(kwargs)), rec)
        if rec is not None:
            numbers = (np.ndarray, float, int)
            arrays = [a for a in _leaves(args) if isinstance(a, numbers)]
            arrays += [a for a in kwargs.values() if isinstance(a, np.ndarray)]
            outputs = result if isinstance(result, tuple) else (result,)
            # np.sum, np.max and np.dot do arithmetic without a ufunc call; np.astype is the
            # cast method as a function (the array API's spelling); the rest select or fill.
            op = _FUNCTION_OPS.get(func.__name__, func.__name__)
            rec.primitive(op, tuple(arrays), outputs, axis=kwargs.get("axis"))
        return result

    # Methods that make new arrays without a ufunc; recorded so that no link of the chain is lost.
    @property
    def T(self):
        return self._method("transpose", lambda a: a.T)

    def transpose(self, *axes):
        return self._method("transpose", lambda a: a.transpose(*axes))

    def astype(self, *args, **kwargs):
        return self._method("cast", lambda a: a.astype(*args, **kwargs))

    def reshape(self, *args, **kwargs):
        return self._method("reshape", lambda a: a.reshape(*args, **kwargs))

    def copy(self, *args, **kwargs):
        return self._method("copy", lambda a: a.copy(*args, **kwargs))

    def dot(self, other, *args):
        return self._method("matmul", lambda a: a.dot(_plain(other), *args), other)

    def __getitem__(self, key):
        keys = key if isinstance(key, tuple) else (key,)
        masks = [k for k in keys if isinstance(k, np.ndarray)]
        return self._method("index", lambda a: a[_plain_tree(key)], *masks)

    def _method(self, op, compute, *others):
        result = compute(self.view(np.ndarray))
        if not isinstance(result, np.ndarray):  # a single element stays a numpy scalar
            return result
        result = _wrap(result, self._recorder)
        if self._recorder is not None:
            self._recorder.primitive(op, (self, *others), (result,))
        return result


_FUNCTION_OPS = {
    "sum": "add.reduce",
    "max": "maximum.reduce",
    "min": "minimum.reduce",
    "dot": "matmul",
    "astype": "cast",
}


def _plain(x):
    return x.view(np.ndarray) if isinstance(x, _Recorded) else x


def _plain_tree(x):
    if isinstance(x, (list, tuple)):
        return type(x)(_plain_tree(v) for v in x)
    if isinstance(x, dict):
        return {k: _plain_tree(v) for k, v in x.items()}
    return _plain(x)


def _leaves(x):
    if isinstance(x, (list, tuple)):
        for v in x:
            yield from _leaves(v)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _leaves(v)
    else:
        yield x


def _recorder_of(objects) -> _Recorder | None:
    for x in _leaves(objects):
        rec = getattr(x, "_recorder", None) if isinstance(x, _Recorded) else None
        if rec is not None and rec.active:
            return rec
    return None


def _wrap(result, rec):
    """``result`` as _Recorded (numpy scalars become 0-d arrays, so they stay traceable)."""
    if isinstance(result, tuple):
        return tuple(_wrap(r, rec) for r in result)
    if isinstance(result, np.generic):
        result = np.asarray(result)
    if isinstance(result, np.ndarray) and not isinstance(result, _Recorded):
        result = result.view(_Recorded)
        result._recorder = rec
    return result


@dataclass(eq=False)
class _Event:
    """One recorded operation: a numpy primitive, or a call of g, g' or dJ/dA (a frame)."""

    op: str  # "matmul", "add", "add.reduce", "transpose", ..., or "call" for a frame
    inputs: tuple
    outputs: tuple = ()
    axis: int | None = 0
    start: int = 0  # clock when the operands were read
    seq: int = 0  # clock when the result existed
    role: str = ""  # frames: "g", "g'" or "dJ/dA"
    function: str = ""  # frames: the activation's or the loss's name
    children: list = field(default_factory=list)

    @property
    def flops(self) -> int:
        if self.op == "call":
            return sum(c.flops for c in self.children)
        return _flops(self.op, self.inputs, self.outputs[0])


class _Recorder:
    """The log of one pass: top-level events in execution order, frames holding their insides."""

    def __init__(self):
        self.events: list[_Event] = []
        self.stack: list[_Event] = []
        self.clock = 0
        self.active = True

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def _append(self, event: _Event) -> None:
        (self.stack[-1].children if self.stack else self.events).append(event)

    def primitive(self, op, inputs, outputs, axis=0) -> None:
        if self.active:
            now = self.tick()
            self._append(_Event(op, tuple(inputs), tuple(outputs), axis, start=now, seq=now))

    def call(self, fn, role: str, function: str):
        """``fn`` wrapped so that each call is recorded as a frame around what it computes."""

        @functools.wraps(fn)
        def recorded(*args, **kwargs):
            frame = _Event("call", (*args, *kwargs.values()), role=role, function=function)
            frame.start = self.tick()
            self.stack.append(frame)
            try:
                result = fn(*args, **kwargs)
            finally:
                self.stack.pop()
            # g = identity returns its argument; a fresh view lets A[L] and Z[L] differ by identity.
            if isinstance(result, np.ndarray) and any(result is a for a in args):
                result = result.view(_Recorded)
            result = _wrap(result, self)
            frame.outputs = result if isinstance(result, tuple) else (result,)
            frame.seq = self.tick()
            self._append(frame)
            return result

        return recorded


# ---------------------------------------------------------------------- counting and naming


def _shape(x) -> tuple[int, ...]:
    return tuple(int(n) for n in np.shape(x))


def _is_array(x) -> bool:
    return isinstance(x, np.ndarray) and x.ndim > 0


def _is_ufunc(op: str) -> bool:
    return isinstance(getattr(np, op, None), np.ufunc)


def _flops(op: str, inputs: tuple, output) -> int:
    if op == "matmul":
        return 2 * int(np.size(output)) * _shape(inputs[0])[-1]  # n m results of k terms each
    if op.endswith(".reduce"):
        return int(np.size(inputs[0]))
    return int(np.size(output)) if _is_ufunc(op) else 0


_ALIASES = {"true_divide": "divide"}  # numpy 1.x names np.divide so
_ARITHMETIC = ("add", "subtract", "multiply", "divide")
_COMPARISONS = {  # text, LaTeX
    "greater": (">", ">"),
    "greater_equal": (">=", r"\geq"),
    "less": ("<", "<"),
    "less_equal": ("<=", r"\leq"),
    "equal": ("==", "="),
    "not_equal": ("!=", r"\neq"),
}
_FUNCTIONS = {"exp": r"\exp", "log": r"\log", "tanh": r"\tanh"}
_REDUCTIONS = {"add": "sum", "maximum": "max", "minimum": "min", "multiply": "product"}
# Numpy operations that act on each element on its own: a call made only of these is element-wise.
_SHAPE_KEEPING = {"cast", "copy", "where", "ones_like", "zeros_like", "full_like", "empty_like"}


def _over(axis) -> str:
    # Examples are columns (axis 1) and units are rows (axis 0), as everywhere in deltaprop.
    return {1: "over examples", 0: "over units", None: "of all entries"}.get(
        axis, f"over axis {axis}"
    )


def _elementwise(event: _Event) -> bool:
    if event.op == "call":
        return all(_elementwise(c) for c in event.children)
    return event.op in _SHAPE_KEEPING or (_is_ufunc(event.op) and event.op != "matmul")


def _kind(event: _Event) -> str:
    """The notation's name for a recorded operation: "matrix product", "Hadamard product", ..."""
    op = event.op
    if op == "call":
        if event.role == "dJ/dA":
            return "loss derivative dJ/dA"
        if _elementwise(event):
            return f"element-wise {event.role}"
        reductions = [c for c in event.children if c.op.endswith(".reduce")]
        if reductions and all(c.axis == 0 for c in reductions):
            return f"column-wise {event.role}"  # softmax: each example's units together
        return event.role
    if op == "matmul":
        return "matrix product"
    if op.endswith(".reduce"):
        base = op.split(".")[0]
        return f"{_REDUCTIONS.get(base, base)} {_over(event.axis)}"
    if op in ("transpose", "cast", "copy", "reshape", "index"):
        return op
    if op in _COMPARISONS:
        return "compare"
    arrays = [x for x in event.inputs if _is_array(x)]
    shape = _shape(event.outputs[0])
    scalar = len(arrays) < len(event.inputs)
    broadcast = any(_shape(x) != shape for x in arrays)
    if op == "multiply":
        return "scale" if scalar else "broadcast multiply" if broadcast else "Hadamard product"
    if op == "divide" and scalar and _is_array(event.inputs[0]):
        return "scale"
    if op in _ARITHMETIC:
        return ("broadcast " if broadcast else "") + op
    if op == "negative":
        return "negate"
    if op in ("maximum", "minimum"):
        return f"element-wise {op[:3]}"
    if _is_ufunc(op):
        return f"element-wise {op}"
    return op  # other numpy functions by name: "where", "ones_like", ...


_NAME = re.compile(r"^(\w+)\[(\d+)\]$")
_LATEX_FAMILY = {"delta": r"\delta"}
_SUPERSCRIPTED = re.compile(r"^(\\?\w+)\^\{(\[\d+\])\}$")


def latex_name(name: str) -> str:
    """A name in LaTeX math: ``delta[2]`` -> ``\\delta^{[2]}``, ``W[1]`` -> ``W^{[1]}``."""
    if name == "1/m":
        return r"\frac{1}{m}"
    match = _NAME.match(name)
    if not match:
        return name
    family, layer = match.groups()
    return f"{_LATEX_FAMILY.get(family, family)}^{{[{layer}]}}"


def latex_text(text: str) -> str:
    """Escape LaTeX's special characters in ordinary text."""
    special = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(special.get(c, "\\" + c if c in "&%$#_{}" else c) for c in text)


# ---------------------------------------------------------------------- equations

ATOM, PRODUCT, SUM, RELATION = 3, 2, 1, 0


@dataclass(frozen=True)
class _Expr:
    """A rendered expression in plain text and LaTeX, with its precedence for parentheses."""

    text: str
    latex: str
    prec: int = ATOM
    tag: str = ""  # which product ("matmul", "hadamard", ...), so mixed products get parentheses


def _paren(e: _Expr, need: int, tag: str = "") -> _Expr:
    if e.prec < need or (tag and e.prec == PRODUCT and e.tag != tag):
        return _Expr(f"({e.text})", f"({e.latex})")
    return e


def _product(a: _Expr, b: _Expr, tag: str, text_op: str, latex_op: str) -> _Expr:
    a, b = _paren(a, PRODUCT, tag), _paren(b, ATOM)
    return _Expr(f"{a.text}{text_op}{b.text}", f"{a.latex}{latex_op}{b.latex}", PRODUCT, tag)


def _binary(a: _Expr, b: _Expr, text_op: str, latex_op: str, right_need: int) -> _Expr:
    a, b = _paren(a, SUM), _paren(b, right_need)
    return _Expr(f"{a.text} {text_op} {b.text}", f"{a.latex} {latex_op} {b.latex}", SUM)


def _call(name: str, latex: str, args: list[_Expr]) -> _Expr:
    return _Expr(
        f"{name}({', '.join(a.text for a in args)})",
        f"{latex}({', '.join(a.latex for a in args)})",
    )


def _operator(name: str) -> str:
    return rf"\operatorname{{{latex_text(name)}}}"


def _const(x) -> _Expr:
    try:
        value = float(np.asarray(x))
    except (TypeError, ValueError):
        return _Expr(repr(x), latex_text(repr(x)))
    text = f"{value:.4g}"
    return _Expr(text, text, PRODUCT if value < 0 else ATOM)


def _flatten(events):
    for event in events:
        yield event
        yield from _flatten(event.children)


class _Namer:
    """Renders recorded values as expressions, naming the objects the notation names."""

    def __init__(self, names: dict[int, str], events: list[_Event]):
        self.names = names
        self.producers: dict[int, list[_Event]] = {}
        # Inner events of calls too: the call itself finishes last, so outside a call its result
        # is found as the call's, and inside as the inner operation's.
        for event in sorted(_flatten(events), key=lambda e: e.seq):
            for out in event.outputs:
                self.producers.setdefault(id(out), []).append(event)

    def producer(self, obj, before: int) -> _Event | None:
        """The last event that made ``obj`` before the clock reads ``before``."""
        made = [e for e in self.producers.get(id(obj), ()) if e.seq < before]
        return made[-1] if made else None

    def expr(self, obj, before: int) -> _Expr:
        if id(obj) in self.names:
            name = self.names[id(obj)]
            return _Expr(name, latex_name(name))
        event = self.producer(obj, before)
        if event is not None:
            return self.event_expr(event)
        if not _is_array(obj):
            return _const(obj)
        shape = "x".join(map(str, _shape(obj)))
        return _Expr(f"?({shape})", rf"?_{{{shape}}}")  # made where the recorder could not see

    def event_expr(self, e: _Event) -> _Expr:
        args = [self.expr(x, e.start) for x in e.inputs]
        op = e.op
        if op == "call":
            if e.role == "dJ/dA":  # dJ/dA(A[L], Y, w): named after the output it differentiates
                target = args[0]
                return _Expr(
                    f"dJ/d{target.text}", rf"\frac{{\partial J}}{{\partial {target.latex}}}"
                )
            prime = "'" if e.role == "g'" else ""
            arrays = [a for x, a in zip(e.inputs, args, strict=True) if _is_array(x)]
            return _call(e.function + prime, _operator(e.function) + prime, arrays)
        if op == "matmul":
            return _product(args[0], args[1], "matmul", " ", " ")
        if op == "transpose":
            a = _paren(args[0], ATOM)
            named = _SUPERSCRIPTED.match(a.latex)  # W^{[3]} -> W^{[3]\top}, as the report sets it
            latex = named.expand(r"\1^{\2\\top}") if named else f"{{{a.latex}}}^{{\\top}}"
            return _Expr(f"{a.text}^T", latex)
        if op in ("cast", "copy"):
            return args[0]  # no change to the mathematics
        if op.endswith(".reduce"):
            return self._reduction(op.split(".")[0], args[0], e.axis)
        if op in ("multiply", "divide"):
            return self._multiply(op, e.inputs, args)
        if op == "add":
            return _binary(args[0], args[1], "+", "+", SUM)
        if op == "subtract":
            return _binary(args[0], args[1], "-", "-", PRODUCT)
        if op == "negative":
            a = _paren(args[0], ATOM)
            return _Expr(f"-{a.text}", f"-{a.latex}", SUM)
        if op in _COMPARISONS:
            (a, b), (text, latex) = (_paren(x, SUM) for x in args), _COMPARISONS[op]
            return _Expr(f"{a.text} {text} {b.text}", f"{a.latex} {latex} {b.latex}", RELATION)
        if op == "absolute":
            return _Expr(f"|{args[0].text}|", rf"\lvert {args[0].latex} \rvert")
        if op in ("maximum", "minimum"):
            return _call(op[:3], rf"\{op[:3]}", args)
        return _call(op, _FUNCTIONS.get(op, _operator(op)), args)

    def _reduction(self, base: str, x: _Expr, axis) -> _Expr:
        word = _REDUCTIONS.get(base, base)
        a = _paren(x, ATOM)
        big = {"sum": r"\sum", "max": r"\max", "min": r"\min", "product": r"\prod"}
        big = big.get(word, _operator(word))
        if axis == 1:
            latex = rf"{big}_{{i=1}}^{{m}} {a.latex}_{{:,i}}" if word == "sum" else None
            latex = latex or rf"{big}_{{i}} {a.latex}_{{:,i}}"
        elif axis == 0:
            latex = rf"{big}_{{k}} {a.latex}_{{k,:}}"
        else:
            latex = f"{big} {a.latex}"
        # product-like: bracketed inside other products, not after a minus sign
        return _Expr(f"{word} {_over(axis)} of {a.text}", latex, PRODUCT, "reduce")

    def _multiply(self, op: str, inputs: tuple, args: list[_Expr]) -> _Expr:
        (a, b), (x, y) = args, inputs
        if op == "multiply" and not _is_array(x) and _is_array(y):
            (a, b), (x, y) = (b, a), (y, x)  # the scalar second: x * c
        if _is_array(y) or not _is_array(x):
            if op == "multiply":
                return _product(a, b, "hadamard", " * ", r" \odot ")
            return _product(a, b, "divide", " / ", " / ")
        # scaling by a number; 1/m reads as "/ m", the way the report writes it
        if b.text == "1/m" and op == "multiply":
            a = _paren(a, ATOM)
            return _Expr(f"{a.text} / m", rf"\frac{{1}}{{m}} {a.latex}", PRODUCT, "scale")
        if op == "divide":
            return _product(a, b, "divide", " / ", " / ")
        a = _paren(a, ATOM)
        return _Expr(f"{b.text} {a.text}", rf"{b.latex}\, {a.latex}", PRODUCT, "scale")


# ---------------------------------------------------------------------- records


@dataclass(frozen=True)
class Operand:
    """One operand of an operation: how the equation writes it, and its shape (() for a number)."""

    expr: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Operation:
    """One operation of a step.

    ``kind`` is the notation's name ("matrix product", "broadcast add", "element-wise g",
    "Hadamard product", "sum over examples", ...); ``shape`` is the result's shape; ``flops`` as in
    the module docstring. For a call of g, g' or dJ/dA, ``function`` names the activation or loss
    and ``primitives`` lists the numpy operations it ran.
    """

    kind: str
    operands: tuple[Operand, ...]
    shape: tuple[int, ...]
    flops: int
    function: str | None = None
    primitives: tuple[Operation, ...] = ()

    @property
    def label(self) -> str:
        """The kind, with the function for calls: ``"element-wise g (relu)"``."""
        return f"{self.kind} ({self.function})" if self.function else self.kind

    def to_dict(self) -> dict:
        out = {
            "kind": self.kind,
            "operands": [{"expr": o.expr, "shape": list(o.shape)} for o in self.operands],
            "shape": list(self.shape),
            "flops": self.flops,
        }
        if self.function:
            out["function"] = self.function
            out["primitives"] = [p.to_dict() for p in self.primitives]
        return out


@dataclass(frozen=True, eq=False)
class Step:
    """One named result of the pass, e.g. ``Z[2]`` (n[2], m), as the report writes it.

    ``equation`` is plain text (``"Z[2] = W[2] A[1] + b[2]"``) and ``latex`` the same in LaTeX
    math; ``operations`` are the recorded operations that made it, in execution order; ``flops``
    their sum; ``value`` a copy of the array; ``phase`` is "forward" or "backward".
    """

    name: str
    equation: str
    latex: str
    operations: tuple[Operation, ...]
    shape: tuple[int, ...]
    flops: int
    value: np.ndarray
    phase: str

    @property
    def kinds(self) -> list[str]:
        return [op.kind for op in self.operations]

    def to_dict(self, values: bool = False) -> dict:
        out = {
            "name": self.name,
            "phase": self.phase,
            "equation": self.equation,
            "latex": self.latex,
            "shape": list(self.shape),
            "flops": self.flops,
            "operations": [op.to_dict() for op in self.operations],
        }
        if values:
            out["value"] = self.value.tolist()
        return out


class Trace(list):
    """The steps of one pass in execution order (a list of :class:`Step`), with totals.

    ``inputs`` maps the operands the steps start from (``A[0]``, ``Y``, ``W[l]``, ``b[l]``) to
    copies of their values; ``unattributed`` lists operations that fed no named result.
    """

    def __init__(self, steps, network: str, inputs: dict, unattributed, flops: dict):
        super().__init__(steps)
        self.network = network
        self.inputs = inputs
        self.unattributed = tuple(unattributed)
        self.forward_flops = flops["forward"]
        self.backward_flops = flops["backward"]

    @property
    def total_flops(self) -> int:
        return self.forward_flops + self.backward_flops


def _operation(e: _Event, namer: _Namer) -> Operation:
    operands = tuple(
        Operand(namer.expr(x, e.start).text, _shape(x))
        for x in e.inputs
        if isinstance(x, (np.ndarray, int, float))
    )
    inner = tuple(_operation(c, namer) for c in e.children)
    return Operation(_kind(e), operands, _shape(e.outputs[0]), e.flops, e.function or None, inner)


def _lineage(event: _Event, namer: _Namer, seen: set[int]) -> list[_Event]:
    """``event`` and the unnamed events it depends on, back to named objects (not yet in seen)."""
    found, todo = [], [event]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        found.append(e)
        for x in e.inputs:
            if id(x) not in namer.names:
                made = namer.producer(x, e.start)
                if made is not None:
                    todo.append(made)
    return sorted(found, key=lambda e: e.seq)


# ---------------------------------------------------------------------- trace


def trace(network, X, Y) -> Trace:
    """Run one forward and one backward pass of ``network`` on (X, Y) and record every step.

    X is (n_x, m), examples as columns; Y is (n_y, m) or m integer labels (as for
    ``Network.gradients``). The cost is averaged with w = 1/m; no dropout, no L2 term.

    Returns a :class:`Trace`: the :class:`Step` records ``Z[1], A[1], ..., A[L]`` and then
    ``delta[L], dW[L], db[L], delta[L-1], ...`` in the order the core computed them. The network
    is left exactly as it was (its parameters are swapped for recording views only during the
    pass; do not use it from another thread meanwhile).
    """
    X = network.check_X(X)
    Y = network.check_Y(Y, X.shape[1])
    m = X.shape[1]
    rec = _Recorder()

    def recorded(a):
        r = a.view(_Recorded)
        r._recorder = rec
        return r

    X_rec, Y_rec, w = recorded(X), recorded(Y), 1 / m
    saved = dict(vars(network))
    W_rec = {l: recorded(W) for l, W in network.W.items()}
    b_rec = {l: recorded(b) for l, b in network.b.items()}
    try:
        network.W, network.b = W_rec, b_rec
        network.g = {
            l: dataclasses.replace(
                a,
                g=rec.call(a.g, "g", a.name),
                g_prime=a.g_prime and rec.call(a.g_prime, "g'", a.name),
                g_and_log=a.g_and_log and rec.call(a.g_and_log, "g", a.name),
            )
            for l, a in saved["g"].items()
        }
        loss = saved["loss"]
        network.loss = dataclasses.replace(loss, dJ_dA=rec.call(loss.dJ_dA, "dJ/dA", loss.name))
        network._forward(X_rec)
        forward_end = rec.clock
        dW, db = network._backward(Y_rec, w)
        Z, A, delta = network.Z, network.A, network.delta
    finally:
        rec.active = False
        vars(network).clear()
        vars(network).update(saved)

    leaves = {"A[0]": A[0], "Y": Y_rec, "1/m": w}
    leaves |= {f"{p}[{l}]": d[l] for l in sorted(W_rec) for p, d in (("W", W_rec), ("b", b_rec))}
    results = [(f"Z[{l}]", Z[l]) for l in sorted(Z)] + [(f"A[{l}]", A[l]) for l in sorted(A) if l]
    results += [
        (f"{p}[{l}]", d[l]) for p, d in (("delta", delta), ("dW", dW), ("db", db)) for l in d
    ]
    names: dict[int, str] = {}
    for name, obj in [*leaves.items(), *results]:
        names.setdefault(id(obj), name)
    namer = _Namer(names, rec.events)

    def made(obj):
        return namer.producer(obj, rec.clock + 1)

    steps, seen = [], set()
    for name, obj in sorted(results, key=lambda r: made(r[1]).seq if made(r[1]) else 0):
        event = made(obj)
        if names[id(obj)] != name or event is None:  # an alias, or not computed in this pass
            expr, ops, flops = namer.expr(obj, rec.clock + 1), (), 0
            when = event.seq if event else 0
        else:
            expr = namer.event_expr(event)
            ops = tuple(_operation(e, namer) for e in _lineage(event, namer, seen))
            flops, when = sum(op.flops for op in ops), event.seq
        steps.append(
            Step(
                name=name,
                equation=f"{name} = {expr.text}",
                latex=f"{latex_name(name)} = {expr.latex}",
                operations=ops,
                shape=_shape(obj),
                flops=flops,
                value=np.array(_plain(obj), copy=True),
                phase="forward" if when <= forward_end else "backward",
            )
        )
    unattributed = [_operation(e, namer) for e in rec.events if id(e) not in seen]
    totals = {"forward": 0, "backward": 0}
    for e in rec.events:
        totals["forward" if e.seq <= forward_end else "backward"] += e.flops
    inputs = {
        name: np.array(_plain(obj), copy=True) for name, obj in leaves.items() if name != "1/m"
    }
    return Trace(steps, repr(network), inputs, unattributed, totals)
