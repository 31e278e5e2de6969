"""The data layer's one error type."""


class DataError(ValueError):
    """Bad data or a bad data request: a missing or malformed file, a wrong label column, NaN in
    the features, an unknown data set name, inconsistent preprocessing statistics...

    The message is one line that names what is wrong (file path, line and column, label,
    expected versus found counts). It subclasses ValueError so callers that already treat bad
    input as ValueError need nothing new.
    """


def listing(values, limit: int = 10) -> str:
    """A short comma-separated listing of ``values`` for a one-line error message. A value with
    a character that is not printable (a line break of any kind, a tab) is shown as its repr,
    so that the message stays one line."""
    values = [_shown(str(v)) for v in values]
    more = f", ... ({len(values)} in all)" if len(values) > limit else ""
    return ", ".join(values[:limit]) + more


def _shown(text: str) -> str:
    return text if text.isprintable() else repr(text)
