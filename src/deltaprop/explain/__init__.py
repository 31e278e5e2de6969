"""deltaprop.explain: seeing what a network computes and how it trained.

:func:`trace` records one forward and one backward pass, step by step, with every shape and
operation; :mod:`deltaprop.explain.render` prints it as a table, JSON or LaTeX. Nothing heavy is
imported here: rich and matplotlib only when something is drawn.
"""

from .render import as_json, as_latex, as_table, as_text, run_trace
from .trace import Operand, Operation, Step, Trace, trace

__all__ = [
    "Operand",
    "Operation",
    "Step",
    "Trace",
    "as_json",
    "as_latex",
    "as_table",
    "as_text",
    "run_trace",
    "trace",
]
