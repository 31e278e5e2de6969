"""Which array library computes: numpy, or any library of the Python array API standard.

The core's functions take their namespace ``xp`` from their inputs, so the same equations run on
numpy arrays, PyTorch tensors, CuPy arrays or ``array_api_strict`` arrays, on the CPU or a GPU.
numpy arrays are computed with numpy itself (numpy >= 2 implements the standard); any other
array needs the small ``array_api_compat`` package, imported only then.

    xp = namespace(Z)                  # numpy, or array_api_compat's namespace for Z
    xp, device = resolve("torch", "cuda")   # what Network(xp=..., device=...) computes with
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

import numpy as np

from .errors import InputError

INSTALL = "pip install 'deltaprop[array-api]'"


def compat() -> ModuleType:
    """The ``array_api_compat`` module, or an ImportError that says how to install it."""
    try:
        import array_api_compat
    except ImportError as e:
        raise ImportError(
            f"arrays other than numpy's need array_api_compat: {INSTALL} ({e})"
        ) from None
    return array_api_compat


_SCALAR = (int, float, type(None))
_NUMPY_OR_SCALAR = (np.ndarray, np.generic, *_SCALAR)
#: The namespace of each array type met so far: ``array_namespace`` costs a few microseconds,
#: about a kernel launch, and the hot path asks for a namespace several times per step.
_NAMESPACE_OF_TYPE: dict[type, ModuleType] = {}


def namespace(*arrays) -> ModuleType:
    """The array API namespace of ``arrays`` (Python scalars and None are skipped): numpy
    itself when they are all numpy arrays, else ``array_api_compat.array_namespace``, which
    raises when they come from different libraries."""
    for a in arrays:  # a plain loop: this runs for every activation on the hot path
        if not isinstance(a, _NUMPY_OR_SCALAR):
            arrays = [x for x in arrays if not isinstance(x, _SCALAR)]
            kind = type(a)
            one_kind = all(type(x) is kind for x in arrays)
            if one_kind and kind in _NAMESPACE_OF_TYPE:
                return _NAMESPACE_OF_TYPE[kind]
            xp = compat().array_namespace(*arrays)  # raises for arrays of several libraries
            if one_kind:
                _NAMESPACE_OF_TYPE[kind] = xp
            return xp
    return np


def is_numpy(xp: ModuleType) -> bool:
    """True for numpy itself, where deltaprop keeps its in-place fast paths (``out=`` buffers)."""
    return xp is np


def has_views(xp: ModuleType) -> bool:
    """True for libraries whose slices and reshapes of a contiguous array are views that an
    in-place update of the array shows through (numpy, PyTorch, CuPy); the standard leaves it
    open, so other libraries are taken not to."""
    if is_numpy(xp):
        return True
    api = compat()
    return api.is_torch_namespace(xp) or api.is_cupy_namespace(xp)


def _is_torch(xp: ModuleType) -> bool:
    return not is_numpy(xp) and compat().is_torch_namespace(xp)


def maximum(x, number: float):
    """max(x, number) element-wise, in one call of the library's own: ``maximum``, except on
    PyTorch, where ``array_api_compat``'s maximum makes a tensor of the number at every call
    (about 6 us) and ``clip`` is ``torch.clamp`` itself. Not ``clip`` everywhere: CuPy's comes
    from ``array_api_compat`` as generic code with boolean masks, which wait for the device."""
    xp = namespace(x)
    return xp.clip(x, min=number) if _is_torch(xp) else xp.maximum(x, number)


def minimum(x, number: float):
    """min(x, number) element-wise, by the same routes as ``maximum``."""
    xp = namespace(x)
    return xp.clip(x, max=number) if _is_torch(xp) else xp.minimum(x, number)


def resolve(xp=None, device=None) -> tuple[ModuleType, object]:
    """(namespace, device) from what a user names: ``xp`` a module (numpy, torch, cupy,
    array_api_strict, ...) or its name, ``device`` a device of that library or a string such
    as "cpu", "cuda" or "cuda:1". With no ``xp``, "cuda..." means PyTorch (CuPy when PyTorch
    is not installed) and anything else numpy."""
    if isinstance(device, str) and device.startswith("cuda") and xp is None:
        found = [name for name in ("torch", "cupy") if importlib.util.find_spec(name)]
        if not found:
            raise ImportError(
                f"device {device!r} needs PyTorch or CuPy (pip install torch); neither is installed"
            )
        xp = found[0]
    if xp is None and device not in (None, "cpu"):
        raise InputError(f"unknown device {device!r}: cpu (numpy) or cuda, cuda:N (PyTorch)")
    if xp is None or xp is np or xp == "numpy":
        if device not in (None, "cpu"):
            raise InputError(
                f"numpy computes on the CPU only, so device={device!r} needs another array "
                "library: xp='torch' or 'cupy'"
            )
        return np, None
    if isinstance(xp, str):
        try:
            xp = importlib.import_module(xp)
        except ImportError as e:
            raise ImportError(f"array library {xp!r} is not installed ({e})") from None
    if not hasattr(xp, "asarray"):
        raise InputError(f"{xp!r} is not an array library (it has no asarray)")
    library = xp.__name__
    xp = namespace(xp.asarray(0.0))
    if isinstance(device, str) and compat().is_cupy_namespace(xp):
        import cupy

        device = cupy.cuda.Device(int(device.partition(":")[2] or 0))
    try:  # fail here, with the device's name, rather than at the first array
        xp.asarray(0.0, device=device)
    except Exception as e:  # each library has its own error for a missing device
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"device {device!r} is not available to {library}: {first}") from None
    return xp, device


def asarray(x, xp: ModuleType, device=None, dtype=None):
    """``x`` (a numpy array, a nested list, or an array of ``xp``) as an array of ``xp`` on
    ``device``; numpy input is copied to the device once."""
    if is_numpy(xp):
        return np.asarray(x, dtype=dtype)
    if dtype is not None and isinstance(dtype, np.dtype):
        dtype = getattr(xp, dtype.name)
    return xp.asarray(x, dtype=dtype, device=device)


def to_numpy(x) -> np.ndarray:
    """An array of any supported library as a numpy array on the host (numpy arrays as they
    are): for saving models and for printing."""
    if isinstance(x, np.ndarray) or not hasattr(x, "__dlpack__"):  # numpy, lists, scalars
        return np.asarray(x)
    api = compat()
    if api.is_torch_array(x):
        return x.detach().cpu().numpy()
    if api.is_cupy_array(x):
        return x.get()
    return np.from_dlpack(x)  # a CPU array of another library, such as array_api_strict


def device_of(x):
    """The device ``x`` lives on (None for numpy arrays, which live on the CPU)."""
    return None if isinstance(x, np.ndarray) else compat().device(x)
