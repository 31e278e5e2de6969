"""Numbers written for LaTeX, shared by the report's fragments."""


def number(x: float, digits: int = 4) -> str:
    """A float for LaTeX math: 0.1234, -1.5, 3.2\\times10^{-9}."""
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.{digits}g}"
    mantissa, exponent = f"{x:.1e}".split("e")
    return rf"{mantissa}\times10^{{{int(exponent)}}}"
