"""The error and warning types of the core."""


class InputError(ValueError):
    """Bad input to the engine: a shape, value or name that cannot be used.

    The message names the offending shapes or values, so it can be shown to a user as one line.
    """


class DeltapropWarning(UserWarning):
    """A choice that works but is probably not what the user wants (said in plain words)."""
