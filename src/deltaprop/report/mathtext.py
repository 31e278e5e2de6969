"""The errata's LaTeX formulas as plain text, in the notation the code and the terminal use.

``$\\delta^{[2]}=(W^{[3]\\top}\\delta^{[3]})\\odot g^{[2]\\prime}(Z^{[2]})$`` becomes
``delta[2] = (W[3]^T delta[3]) * g[2]'(Z[2])``, as ``deltaprop trace`` writes the same equation:
layers in brackets, ``^T`` for a transpose, a space for a matrix product, ``*`` for the Hadamard
product, ``/`` for an element-wise division, ``dJ/dA[3]`` for a derivative.

Only the LaTeX the errata use is understood: text (with ``\\emph``, ``\\textbf``, ``\\texttt``) and
``$...$`` math with fractions, sub- and superscripts, font commands, the symbols below and a
``cases`` environment. Anything else raises
ValueError, so that a new formula cannot print half-converted.
"""

from __future__ import annotations

import re

#: Commands that stand for a word or symbol, and how they read.
SYMBOLS = {
    "delta": "delta",
    "alpha": "alpha",
    "log": "log",
    "max": "max",
    "sum": "sum",
    "in": "in",
    "le": "<=",
    "leftarrow": "<-",
    "times": "x",
    "odot": "*",
    "oslash": "/",
    "bigl": "",
    "bigr": "",
}
#: Commands whose argument is the text itself, in another font.
FONTS = ("mathbb", "mathbf", "mathcal", "mathrm", "texttt")
#: Symbols written with spaces around them.
OPERATORS = {"=", "+", "-", "<", ">", "<=", "<-", "in", "x", "*", "/"}

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z0-9.]+|\s+|.")


class _Parser:
    """Reads the tokens of a math string into pieces (kind, text): an "atom" (a symbol, with
    its scripts), an "op"erator, "open" and "close" parentheses, a "prefix" (the d of a
    derivative) or a "tight" slash (a quotient written inline)."""

    def __init__(self, tokens: list[str]):
        self.tokens = [t for t in tokens if not t.isspace()]
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ValueError("unexpected end of the formula")
        self.i += 1
        return token

    def group(self) -> list[str]:
        """The tokens of a {...} argument (or the next single token), without the braces."""
        if self.peek() != "{":
            return [self.take()]
        self.take()
        depth, tokens = 1, []
        while True:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                return tokens
            tokens.append(token)

    def pieces(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        while self.peek() is not None:
            token = self.take()
            if token in ("^", "_"):
                if not out:
                    raise ValueError(f"{token} with nothing before it")
                kind, text = out.pop()
                out.append((kind, text + _script(token, _convert(self.group(), compact=True))))
            elif token in ("\\frac", "\\dfrac"):
                out.append(("atom", _fraction(_convert(self.group()), _convert(self.group()))))
            elif token == "\\partial":  # d, joined to what it differentiates: dJ, dA[3]
                out.append(("prefix", "d"))
            elif token == "\\hat":
                out.append(("atom", _convert(self.group(), compact=True) + "_hat"))
            elif token[1:] in FONTS:
                out.append(("atom", _convert(self.group(), compact=True)))
            elif token == "\\begin":
                out.append(("atom", self.cases()))
            elif token in ("\\,", "\\ "):
                continue
            elif token == "\\prime":
                out.append(("atom", "'"))
            elif token == "\\top":
                out.append(("atom", "^T"))
            elif token.startswith("\\"):
                word = SYMBOLS.get(token[1:])
                if word is None:
                    raise ValueError(f"no plain text for {token}")
                if word:
                    kind = "op" if word in OPERATORS else "atom"
                    out.append((kind, word))
            elif token in "([":
                out.append(("open", token))
            elif token in ")]":
                out.append(("close", token))
            elif token == "{" or token == "}":
                raise ValueError(f"unbalanced brace in {''.join(self.tokens)!r}")
            elif token == "d":  # a differential: d b[l] reads db[l]
                out.append(("prefix", token))
            elif token == "'" and out:  # a prime: g'(0)
                out[-1] = (out[-1][0], out[-1][1] + token)
            elif token == "/":  # a quotient written inline: dJ/dW[l]
                out.append(("tight", token))
            elif token in OPERATORS or token == ",":
                out.append(("op", token))
            else:
                out.append(("atom", token))
        return out

    def cases(self) -> str:
        """``\\begin{cases} 1 & Z>0 \\\\ 0 & Z\\le 0 \\end{cases}`` as (1 if Z > 0, 0 if Z <= 0)."""
        if self.group() != ["cases"]:
            raise ValueError("only the cases environment has a plain-text form")
        rows, row = [], []
        while (token := self.take()) != "\\end":
            if token == "\\\\":
                rows.append(row)
                row = []
            else:
                row.append(token)
        rows.append(row)
        self.group()  # {cases}
        parts = []
        for tokens in rows:
            if "&" not in tokens:
                raise ValueError("a row of cases needs a value & a condition")
            k = tokens.index("&")
            parts.append(f"{_convert(tokens[:k])} if {_convert(tokens[k + 1 :])}")
        return "(" + ", ".join(parts) + ")"


def _script(mark: str, text: str) -> str:
    """A sub- or superscript: the layer [l] and the transpose or prime after it as the code
    writes them (W[3]^T, g[2]'), other scripts as _kj, ^m or ^(n x m)."""
    if mark == "^" and text.startswith("["):
        return re.sub(r"\]T$", "]^T", text)
    if mark == "^" and text in ("^T", "'"):
        return text
    simple = re.fullmatch(r"[A-Za-z0-9]+|\(.*\)", text)
    return f"{mark}{text}" if simple else f"{mark}({text})"


def _fraction(numerator: str, denominator: str) -> str:
    """a/b; (1/m) for a number over a symbol, as the errata's prose writes it."""
    if re.fullmatch(r"[0-9]+", numerator):
        return f"({numerator}/{denominator})"
    simple = " " not in numerator and " " not in denominator
    return f"{numerator}/{denominator}" if simple else f"({numerator})/({denominator})"


def _convert(tokens: list[str], compact: bool = False) -> str:
    return _join(_Parser(tokens).pieces(), compact)


def _join(pieces: list[tuple[str, str]], compact: bool) -> str:
    """The pieces as text: a space between two operands side by side (a product), operators
    between spaces unless they are signs; inside scripts (``compact``) only words get spaces."""
    out, previous = "", None
    for kind, text in pieces:
        if kind == "op" and (not compact or text.isalpha()):
            if text == ",":
                out += ", "
            elif previous in ("atom", "close"):  # binary
                out += f" {text} "
            else:  # a sign: -(1/m)
                out += text
        elif kind == "close":
            out = out.rstrip() + text
        elif kind in ("atom", "open", "prefix") and previous in ("atom", "close") and not compact:
            # a product, but no space before a function's argument: g(Z), max(0, Z)
            out += text if kind == "open" and previous == "atom" else " " + text
        else:
            out += text
        previous = kind
    return re.sub(r" {2,}", " ", out).strip()


#: Text commands whose argument is kept as it is (the emphasis dropped).
TEXT_COMMANDS = ("emph", "textbf", "texttt")


def _unwrap_text_commands(latex: str) -> str:
    """``\\emph{true $\\delta$}`` -> ``true $\\delta$``: each text command and its braces
    removed, whatever its argument holds; ``\\noindent`` dropped."""
    latex = re.sub(r"\\noindent\s*", "", latex)
    opening = re.compile(r"\\(?:" + "|".join(TEXT_COMMANDS) + r")\{")
    while match := opening.search(latex):
        depth, k = 1, match.end()
        while depth:
            if k == len(latex):
                raise ValueError(f"unbalanced brace in {latex!r}")
            depth += {"{": 1, "}": -1}.get(latex[k], 0)
            k += 1
        latex = latex[: match.start()] + latex[match.end() : k - 1] + latex[k:]
    return latex


def plain_formula(latex: str) -> str:
    """A LaTeX string of the errata (text with $...$ math) as plain text."""
    parts = _unwrap_text_commands(latex).split("$")
    if len(parts) % 2 == 0:
        raise ValueError(f"unbalanced $ in {latex!r}")
    out = []
    for k, part in enumerate(parts):
        if k % 2:
            out.append(_convert(_TOKEN.findall(part)))
        else:
            out.append(part.replace("``", '"').replace("''", '"'))
    text = "".join(out)
    if "\\" in text:
        raise ValueError(f"no plain text for {latex!r}")
    return text
