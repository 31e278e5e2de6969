"""deltaprop inspect: what training would make of a table, column by column, and the train
command it needs (see deltaprop.data.profile)."""

from __future__ import annotations

import json
import shlex

from .errors import EXIT_OK


def cmd_inspect(args) -> int:
    from ..data.profile import profile
    from ..experiment import load_as_is

    ds = load_as_is(
        args.data,
        args.label,
        missing_values=args.missing_values,
        sheet=args.sheet,
        encoding=args.encoding,
    )
    columns = profile(ds)
    command = suggested_command(args, columns)
    if args.json:
        facts = {"data": ds.description, "columns": [c.as_dict() for c in columns]}
        print(json.dumps({**facts, "train": command}))
        return EXIT_OK
    print(f"data: {ds.description}")
    print()
    header = ("column", "kind", "missing", "distinct", "most frequent", "inputs", "notes")
    rows = [
        (c.name, c.kind, str(c.missing), str(c.distinct), ", ".join(map(_shown, c.values)),
         "label" if c.role == "label" else str(c.inputs), "; ".join(c.notes))
        for c in columns
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header) - 1)]
    for row in (header, *rows):
        cells = [
            cell.rjust(w) if 2 <= i <= 3 or i == 5 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ]
        print("  ".join([*cells, row[-1]]).rstrip())
    kept = [c for c in columns if c.role == "feature" and not _left_out(c)]
    print()
    print(f"inputs: {sum(c.inputs for c in kept)} from {len(kept)} columns")
    print(f"train: {command}")
    return EXIT_OK


def _shown(value: str, width: int = 24) -> str:
    """A value in the list of a column's most frequent ones: cut to ``width`` characters, and
    quoted when it holds the list's separator."""
    value = value if len(value) <= width else value[: width - 3] + "..."
    return repr(value) if "," in value else value


def _left_out(column) -> bool:
    """Whether the command should leave ``column`` out: training refuses it, or it looks like
    an identifier."""
    return any("--ignore" in note for note in column.notes)


def suggested_command(args, columns) -> str:
    """The train command for this table: its label, the columns to leave out, --impute when
    a column kept has gaps, --regression when the label looks like a number to predict."""
    words = ["deltaprop", "train", "--data", args.data]
    for option, value in (("--sheet", args.sheet), ("--encoding", args.encoding)):
        if value is not None:
            words += [option, value]
    label = columns[-1]
    if args.label is not None:  # else the last column, as train takes it
        words += ["--label", args.label]
    ignored = [c.name for c in columns if c.role == "feature" and _left_out(c)]
    if ignored:
        words += ["--ignore", *ignored]
    if any(c.missing for c in columns if c.role == "feature" and not _left_out(c)):
        words += ["--impute", "median"]
    if args.missing_values:
        words += ["--missing-values", *args.missing_values]
    if any("--regression" in note for note in label.notes):
        words += ["--regression"]
    return shlex.join(words)
