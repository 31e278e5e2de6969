"""deltaprop export: a model file as an ONNX file (see deltaprop.export)."""

from __future__ import annotations

from pathlib import Path

from .errors import EXIT_OK
from .outputs import check_output


def cmd_export(args) -> int:
    from .. import io
    from ..export import OPSET, columns, save_onnx, signature

    out = args.out or str(Path(args.model).with_suffix(".onnx"))
    check_output("--out", out)
    model = io.load_any(args.model)[0]  # a checkpoint's model: the run so far
    proto = save_onnx(model, out)
    print(f"{out}: ONNX, opset {OPSET}: {signature(proto)}")
    print(f"columns: {columns(proto)}")
    return EXIT_OK
