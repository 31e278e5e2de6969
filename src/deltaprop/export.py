"""A trained Model as an ONNX graph, the open standard for models that other runtimes
(onnxruntime from C, C++, C#, Java or JavaScript, and many more) run without Python or
deltaprop. Writing one needs the onnx package (``pip install 'deltaprop[onnx]'``).

The graph takes what ``Model.predict`` takes, raw rows ``X`` (N, n_features) in float64, NaN
where a value is missing, and computes what it does, with the same roundings:

- the preprocessing: missing values filled as the TableEncoder fills them, then the
  Standardizer's ``(X - mean) / std`` in float64, or the PixelScaler's ``X / maximum`` in the
  network's float type (float32 or float64), which the rest is computed in;
- every layer, ``A[l] = g[l](A[l-1] W[l]^T + b[l]^T)`` (eq. F2-F3 with examples as rows: one
  Gemm and one activation a layer; dropout is not applied at prediction);
- the outputs: for a classifier ``probabilities`` (N, K) and ``label`` (N,), the class
  labels themselves (numbers or text); for several sigmoid units ``probabilities`` and
  ``labels`` (N, n_y), 0 or 1; for regression ``prediction`` (N, n_y), in the target's units
  (float64 when the target was standardized, as Model.predict gives them).

A table with text columns has two inputs instead of ``X``, since a tensor holds one type:
``numbers`` (N, n_numeric) float64, NaN where missing, and ``texts`` (N, n_text) strings, ""
where missing, each in the columns' order (:func:`columns` names them). A text column is
one-hot encoded by the standard ``OneHotEncoder`` of the ai.onnx.ml domain, a text not seen in
training as all zeros, as TableEncoder does.
"""

from __future__ import annotations

import numpy as np

from .core import Network
from .core.activations import LEAKY_SLOPE
from .core.arrays import to_numpy
from .data import DataError, PixelScaler, Standardizer, TableEncoder
from .experiment import model_features
from .io import replace_atomically
from .model import Model

#: The ONNX operator set the graph is written for (onnxruntime 1.13 and later run it).
OPSET = 17

_ELEMENTWISE = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "identity": "Identity"}


class _Graph:
    """Nodes and constants added in order, each output a fresh name."""

    def __init__(self, helper, numpy_helper):
        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes, self.constants, self.count = [], [], 0

    def constant(self, name: str, value) -> str:
        name = f"{name}_{len(self.constants)}"
        self.constants.append(self.numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type: str, *inputs: str, out: str | None = None, domain: str = "",
           **attributes) -> str:  # fmt: skip
        self.count += 1
        out = out or f"{op_type.lower()}_{self.count}"
        node = self.helper.make_node(op_type, list(inputs), [out], domain=domain, **attributes)
        self.nodes.append(node)
        return out


def to_onnx(model, name: str = "deltaprop"):
    """``model`` (a Model, or a fitted DeltaClassifier or DeltaRegressor of deltaprop.sklearn)
    as an ``onnx.ModelProto``, checked by onnx's checker; an ImportError naming the extra when
    onnx is missing."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise ImportError(
            "exporting to ONNX needs the onnx package: pip install 'deltaprop[onnx]'"
        ) from None
    model = _as_model(model)
    net = model.network
    dtype = net.dtype
    element = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    g = _Graph(helper, numpy_helper)
    pre = model.preprocessor
    if isinstance(pre, TableEncoder) and pre.kinds is not None and _text_columns(pre):
        numbers, texts = _split_columns(pre)
        inputs = [("numbers", TensorProto.DOUBLE, len(numbers)), ("texts", _STRING, len(texts))]
        A = _cast(g, _table(g, pre), dtype, element)
        columns = f"numbers: {_names(pre, numbers)}; texts: {_names(pre, texts)}"
    else:
        inputs = [("X", TensorProto.DOUBLE, model.n_features)]
        A = _preprocessing(g, pre, "X", dtype, element)
        columns = f"X: {_input_names(model)}"
    for l in range(1, net.L + 1):  # (eq. F2-F3), examples as rows
        W = to_numpy(net.W[l]).astype(dtype)  # from a GPU too
        b = to_numpy(net.b[l]).astype(dtype).reshape(-1)
        Z = g.op("Gemm", A, g.constant(f"W{l}", W), g.constant(f"b{l}", b), transB=1)
        A = _activation(g, net.hidden if l < net.L else net.output, Z, dtype)
    outputs = _outputs(g, model, A, dtype, element, helper)
    graph = helper.make_graph(
        g.nodes,
        name,
        [helper.make_tensor_value_info(n, kind, ["N", width]) for n, kind, width in inputs],
        outputs,
        initializer=g.constants,
    )
    proto = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(_ML, 2)],
        producer_name="deltaprop",
        doc_string=f"a {' -> '.join(map(str, net.sizes))} network; {columns}",
    )
    proto.ir_version = 8  # what opset 17 came with: runtimes from then on read it
    helper.set_model_props(proto, {"columns": columns})
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _as_model(model) -> Model:
    """A Model, or the Model of a fitted scikit-learn estimator of deltaprop.sklearn: its
    network and class labels (which have no preprocessing, as MLPClassifier has none)."""
    if isinstance(model, Model):
        return model
    net = getattr(model, "network_", None)
    if not isinstance(net, Network):
        raise TypeError(
            f"to_onnx takes a deltaprop Model or a fitted DeltaClassifier or DeltaRegressor, "
            f"got {type(model).__name__}"
        )
    several = net.output == "sigmoid" and net.n_y > 1  # multilabel: 0/1 labels, no classes
    classes = None if several or not net.is_classifier else model.classes_
    return Model(net, classes=classes)


def columns(proto) -> str:
    """Which raw columns each input of an exported graph takes, in order:
    ``X: sepal_length, ...``, or for a table with text ``numbers: ...; texts: ...``."""
    return next((p.value for p in proto.metadata_props if p.key == "columns"), "")


def _input_names(model: Model) -> str:
    """The model's input columns by name, when it knows them."""
    names = model_features(model)
    if names is None:
        return f"{model.n_features} columns, in the order of the training data"
    return ", ".join(names)


def _text_columns(pre: TableEncoder) -> list[int]:
    return [j for j, cats in enumerate(pre.categories) if cats is not None]


def _split_columns(pre: TableEncoder) -> tuple[list[int], list[int]]:
    """The positions of the numeric columns and of the text columns."""
    texts = _text_columns(pre)
    return [j for j in range(pre.n_columns) if j not in texts], texts


def _names(pre: TableEncoder, columns: list[int]) -> str:
    return ", ".join(pre.names[j] if pre.names else f"column {j + 1}" for j in columns) or "none"


def _table(g: _Graph, pre: TableEncoder) -> str:
    """A TableEncoder with text columns (see TableEncoder.transform): from ``numbers`` (N,
    n_numeric) float64, NaN where missing, and ``texts`` (N, n_text) strings, "" where
    missing, the network's inputs (N, n_x) in float64, in the encoder's order: a numeric
    column filled and standardized, a text column filled and one-hot encoded (a text not seen
    in training: all zeros)."""
    numbers, texts = _split_columns(pre)
    parts = []
    for j, cats in enumerate(pre.categories):
        fill = pre.fill[j]
        if cats is None:
            k = numbers.index(j)
            column = _column(g, "numbers", k)
            if fill is not None:
                column = g.op(
                    "Where", g.op("IsNaN", column), g.constant("fill", np.float64(fill)), column
                )
            mean = g.constant("mean", np.float64(pre.scaler.mean[k]))
            std = g.constant("std", np.float64(pre.scaler.std[k]))
            parts.append(g.op("Div", g.op("Sub", column, mean), std))
            continue
        column = _column(g, "texts", texts.index(j))
        if fill is not None:  # "" -> 1, any other text -> 0
            gap = g.op("LabelEncoder", column, domain=_ML, keys_strings=[""], values_int64s=[1],
                       default_int64=0)  # fmt: skip
            gap = g.op("Cast", gap, to=9)  # 9: BOOL
            filled = g.constant("fill", np.array(fill, dtype=object))
            column = g.op("Where", gap, filled, column)
        onehot = g.op("OneHotEncoder", column, domain=_ML, cats_strings=[str(c) for c in cats],
                      zeros=1)  # fmt: skip
        shape = g.constant("shape", np.array([-1, len(cats)], dtype=np.int64))
        parts.append(g.op("Cast", g.op("Reshape", onehot, shape), to=_DOUBLE))
    return g.op("Concat", *parts, axis=1)


def _column(g: _Graph, table: str, k: int) -> str:
    """Column k of the input ``table``, (N, 1)."""
    start = g.constant("start", np.array([k], dtype=np.int64))
    end = g.constant("end", np.array([k + 1], dtype=np.int64))
    return g.op("Slice", table, start, end, g.constant("axis", np.array([1], dtype=np.int64)))


def _preprocessing(g: _Graph, pre, X: str, dtype, element) -> str:
    """The nodes that make the network's inputs (N, n_x) in its float type from raw rows ``X``
    in float64, with the same roundings as Model.columns."""
    if pre is None:
        return _cast(g, X, dtype, element)
    if isinstance(pre, PixelScaler):  # X in the network's dtype, then divided there
        X = _cast(g, X, dtype, element)
        return g.op("Div", X, g.constant("maximum", np.array(pre.maximum, dtype=dtype)))
    if isinstance(pre, TableEncoder):
        if pre.impute:  # NaN -> the column's fill value
            fill = g.constant("fill", np.array(pre.fill, dtype=np.float64))
            X = g.op("Where", g.op("IsNaN", X), fill, X)
        pre = pre.scaler
        if pre is None:
            return _cast(g, X, dtype, element)
    if isinstance(pre, Standardizer):  # in float64, as Standardizer.transform computes it
        centred = g.op("Sub", X, g.constant("mean", np.asarray(pre.mean, dtype=np.float64)))
        scaled = g.op("Div", centred, g.constant("std", np.asarray(pre.std, dtype=np.float64)))
        return _cast(g, scaled, dtype, element)
    raise DataError(f"the ONNX export does not know the preprocessing {type(pre).__name__}")


_DOUBLE, _STRING = 11, 8  # TensorProto.DOUBLE and STRING, fixed by the ONNX standard
_ML = "ai.onnx.ml"  # the domain of the operators for classical machine learning


def _cast(g: _Graph, X: str, dtype, element) -> str:
    """``X`` (float64) in the network's float type."""
    return X if dtype == np.float64 else g.op("Cast", X, to=element)


def _activation(g: _Graph, name: str, Z: str, dtype) -> str:
    if name in _ELEMENTWISE:
        return g.op(_ELEMENTWISE[name], Z)
    if name == "leaky_relu":
        return g.op("LeakyRelu", Z, alpha=LEAKY_SLOPE)
    if name == "softmax":  # over the units of each example: axis 1 when examples are rows
        return g.op("Softmax", Z, axis=1)
    raise DataError(f"the ONNX export does not know the activation {name!r}")


def _outputs(g: _Graph, model: Model, A: str, dtype, element, helper) -> list:
    net = model.network
    if not net.is_classifier:
        scaler = model.target_scaler
        if scaler is not None:  # back to the target's units, in float64 as Model.predict does
            if dtype != np.float64:
                A, element = g.op("Cast", A, to=_DOUBLE), _DOUBLE
            std = g.constant("target_std", np.asarray(scaler.std, dtype=np.float64))
            mean = g.constant("target_mean", np.asarray(scaler.mean, dtype=np.float64))
            A = g.op("Add", g.op("Mul", A, std), mean)
        g.op("Identity", A, out="prediction")
        return [helper.make_tensor_value_info("prediction", element, ["N", net.n_y])]
    if net.output == "sigmoid":  # a unit's label is 1 where its probability is >= 0.5
        half = g.constant("half", np.array(0.5, dtype=dtype))
    if net.output == "sigmoid" and net.n_y > 1:  # several labels, each 0 or 1
        g.op("Identity", A, out="probabilities")
        g.op("Cast", g.op("GreaterOrEqual", A, half), to=7, out="labels")  # 7: INT64
        return [
            helper.make_tensor_value_info("probabilities", element, ["N", net.n_y]),
            helper.make_tensor_value_info("labels", 7, ["N", net.n_y]),
        ]
    if net.output == "sigmoid":  # one unit: the probability of classes[1]
        index = g.op("Cast", g.op("GreaterOrEqual", A, half), to=7)
        one = g.constant("one", np.array(1, dtype=dtype))
        g.op("Concat", g.op("Sub", one, A), A, axis=1, out="probabilities")
        index = g.op("Squeeze", index, g.constant("axis", np.array([1], dtype=np.int64)))
    else:
        g.op("Identity", A, out="probabilities")
        index = g.op("ArgMax", A, axis=1, keepdims=0)
    classes = np.asarray(model.classes)
    if classes.dtype.kind in "US":
        labels, kind = classes.astype(object), 8  # 8: STRING
    elif classes.dtype.kind in "iub":
        labels, kind = classes.astype(np.int64), 7
    else:
        labels, kind = classes.astype(np.float64), _DOUBLE
    g.op("Gather", g.constant("classes", labels), index, axis=0, out="label")
    return [
        helper.make_tensor_value_info("label", kind, ["N"]),
        helper.make_tensor_value_info("probabilities", element, ["N", len(classes)]),
    ]


def save_onnx(model: Model, path):
    """Write ``model`` as an ONNX file at ``path``, atomically (never half-written), and return
    the ``onnx.ModelProto`` written."""
    proto = to_onnx(model)
    data = proto.SerializeToString()
    replace_atomically(path, lambda f: f.write(data))
    return proto


def signature(proto) -> str:
    """The graph's inputs and outputs, as ``X (N, 4) float32 -> label (N,) string, ...``."""
    from onnx import helper

    def shown(value) -> str:
        tensor = value.type.tensor_type
        dims = [d.dim_param or str(d.dim_value) for d in tensor.shape.dim]
        shape = f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"
        element = helper.tensor_dtype_to_np_dtype(tensor.elem_type)
        kind = "string" if element.kind == "O" else str(element)
        return f"{value.name} {shape} {kind}"

    inputs = ", ".join(shown(v) for v in proto.graph.input)
    return f"{inputs} -> {', '.join(shown(v) for v in proto.graph.output)}"
