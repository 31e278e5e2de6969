"""``repr`` of a training object as the call that makes it: ``Adam(lr=0.01)``."""

from __future__ import annotations

import inspect


class SettingsRepr:
    """``Class(name=value, ...)`` for the constructor's arguments whose values, read from the
    attributes of the same names, differ from their defaults (scikit-learn's convention); an
    argument without such an attribute is left out."""

    def __repr__(self) -> str:
        parameters = list(inspect.signature(type(self).__init__).parameters.values())[1:]
        shown = []
        for p in parameters:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or not hasattr(self, p.name):
                continue
            value = getattr(self, p.name)
            if p.default is p.empty or value != p.default:
                shown.append(f"{p.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"
