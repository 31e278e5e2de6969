"""deltaprop: backpropagation for multi-layer perceptrons, written like the equations.

The engine is in :mod:`deltaprop.core` (numpy only); training, data, model files, plots, the
scikit-learn estimators and the report build on it.
"""

from .core import DeltapropWarning, InputError, Network, gradcheck

__version__ = "0.1.0"
__all__ = ["DeltapropWarning", "InputError", "Network", "__version__", "gradcheck"]
