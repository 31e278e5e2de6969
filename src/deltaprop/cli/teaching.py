"""The commands that teach: trace (one pass, operation by operation), gradcheck (the backward
pass against finite differences), errata (the seed's mistakes) and report (the LaTeX report)."""

from __future__ import annotations

import shutil
import sys

import numpy as np

from .errors import EXIT_FAILED, EXIT_OK, UsageError


def cmd_trace(args) -> int:
    from ..explain.render import run_trace

    fmt = "json" if args.json else "latex" if args.latex else "table"
    # inf and nan (log 0 under a ReLU output, ...) show in the trace itself; the warning about
    # such a choice comes from the network
    with np.errstate(all="ignore"):
        text = run_trace(
            args.sizes, args.m, args.hidden, args.output, args.seed, args.values, fmt, args.loss
        )
    print(text)
    return EXIT_OK


def cmd_gradcheck(args) -> int:
    from ..explain.check import gradcheck_json, gradcheck_text, run_gradcheck

    with np.errstate(all="ignore"):  # a NaN cost (log 0 under a ReLU output) shows as FAILED
        run = run_gradcheck(
            args.sizes,
            args.m,
            args.hidden,
            args.output,
            args.loss,
            args.l2,
            args.dropout,
            args.sample_weights,
            args.seed,
            args.eps,
            args.max_per_array,
        )
    print(gradcheck_json(run) if args.json else gradcheck_text(run))
    return EXIT_OK if run.passed else EXIT_FAILED


def cmd_errata(args) -> int:
    from ..report.errata import (
        errata_entry,
        errata_json,
        errata_legend,
        errata_records,
        errata_summary,
    )

    width = min(shutil.get_terminal_size().columns, 100)
    records = errata_records()
    by_id = {r.id.upper(): r for r in records}
    unknown = [i for i in args.ids if i.upper() not in by_id]
    if unknown:
        raise UsageError(
            f"no erratum {', '.join(unknown)}; the entries are {records[0].id} to {records[-1].id}"
        )
    if args.json:
        print(errata_json([by_id[i.upper()] for i in args.ids] or records))
    elif args.ids or args.all:
        chosen = [by_id[i.upper()] for i in args.ids] or records
        print("\n\n".join(errata_entry(r, width) for r in chosen))
    else:
        print(errata_summary(records, width))
        print()
        print(errata_legend(width))
        print()
        print("deltaprop errata E8 shows an entry in full: the seed's form, the correct one, why.")
    return EXIT_OK


def cmd_report(args) -> int:
    from ..report.build import build

    result = build(out=args.out, quick=args.quick, tex_only=args.tex_only)
    if result.pdf is None:
        print(f"report sources written to {result.folder} (compile with: latexmk -pdf report.tex)")
        return EXIT_OK
    for warning in result.warnings:
        print(f"deltaprop: LaTeX: {warning}", file=sys.stderr)
    print(f"report written to {result.pdf}")
    return EXIT_OK
