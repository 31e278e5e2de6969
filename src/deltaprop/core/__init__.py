"""deltaprop.core: the report's equations as code. Depends on numpy only; computes on the arrays
of any library of the Python array API standard (PyTorch, CuPy, ...) when ``array_api_compat`` is
installed (``Network(..., xp=..., device=...)``, see ``deltaprop.core.arrays``).

>>> from deltaprop.core import Network
>>> net = Network([3, 4, 3, 2], seed=0)          # the seed's 3-4-3-2 network
>>> net.W[1].shape, net.b[1].shape
((4, 3), (4, 1))
"""

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, Activation, get_activation
from .errors import DeltapropWarning, InputError
from .gradcheck import GradcheckResult, gradcheck, relative_error
from .losses import COMBINATIONS, DEFAULT_LOSS, LOSSES, Loss, get_loss
from .network import Network

__all__ = [
    "ACTIVATIONS",
    "COMBINATIONS",
    "DEFAULT_LOSS",
    "HIDDEN_ACTIVATIONS",
    "LOSSES",
    "Activation",
    "DeltapropWarning",
    "GradcheckResult",
    "InputError",
    "Loss",
    "Network",
    "get_activation",
    "get_loss",
    "gradcheck",
    "relative_error",
]
