"""The errata's LaTeX formulas as plain text, in the notation of the code and the trace, for
`deltaprop errata`: each construct the errata use, and a clear error for one they do not."""

import re

import pytest

from deltaprop.report.errata import LEGEND, errata_records
from deltaprop.report.mathtext import plain_formula


@pytest.mark.parametrize(
    "latex,text",
    [
        (r"$\dfrac{\partial\mathcal{J}}{\partial A^{[3]}}=Y-A^{[3]}$", "dJ/dA[3] = Y - A[3]"),
        (
            r"$\delta^{[2]}=(W^{[3]\top}\delta^{[3]})\odot g^{[2]\prime}(Z^{[2]})$",
            "delta[2] = (W[3]^T delta[3]) * g[2]'(Z[2])",
        ),
        # the seed's own transpose T, a matrix product by juxtaposition
        (
            r"$W^{[3]T}\delta^{[3]}g^{[2]\prime}(Z^{[2]})A^{[1]T}$",
            "W[3]^T delta[3] g[2]'(Z[2]) A[1]^T",
        ),
        (r"$-\frac{1}{m}\,Y\oslash A^{[3]}$ (element-wise)", "-(1/m) Y / A[3] (element-wise)"),
        (r"$\frac{1}{m}(A^{[3]}-Y)$", "(1/m)(A[3] - Y)"),
        (r"$\mathbb{R}^{n^{[l]}\times n^{[l-1]}}$", "R^(n[l] x n[l-1])"),
        (r"$W^{[l]}\leftarrow W^{[l]}-\alpha\,dW^{[l]}$", "W[l] <- W[l] - alpha dW[l]"),
        (r"$\mathbf{b}^{[l]}-\alpha\,d\mathbf{b}^{[l]}$", "b[l] - alpha db[l]"),
        (r"$\sum_{i=1}^{m}\delta^{[l]}_{:,i}$", "sum_(i=1)^m delta[l]_(:,i)"),
        (r"$b^{[l]}\mathbf{1}_m^{\top}$", "b[l] 1_m^T"),
        (r"$\mathcal{L}^{(i)}=-\sum_k Y_{ki}$", "L^(i) = -sum_k Y_ki"),
        (r"$\hat{y}\in\mathbb{R}^{m}$, ``the label''", 'y_hat in R^m, "the label"'),
        (r"$(n^{[l]},\,)$", "(n[l],)"),
        (r"$\max(0,Z^{[l]})$ (\texttt{np.maximum})", "max(0, Z[l]) (np.maximum)"),
        (r"$g'(0)=0$", "g'(0) = 0"),
        (
            r"$g^{[l]\prime}(Z^{[l]})=\begin{cases}1 & Z^{[l]}>0\\ 0 & Z^{[l]}\le 0\end{cases}$",
            "g[l]'(Z[l]) = (1 if Z[l] > 0, 0 if Z[l] <= 0)",
        ),
        (r"\noindent a \emph{true $\delta$}, \textbf{wrong}", "a true delta, wrong"),
    ],
)
def test_each_construct_reads_as_the_code_writes_it(latex, text):
    assert plain_formula(latex) == text


@pytest.mark.parametrize(
    "latex,message",
    [
        (r"$\lVert x\rVert$", r"no plain text for \\lVert"),
        (r"$x$ and $y", "unbalanced \\$"),
        (r"$\begin{matrix}1\end{matrix}$", "only the cases environment"),
        (r"$x^{[1]$", "unexpected end"),
        (r"\emph{x", "unbalanced brace"),
        (r"$x}$", "unbalanced brace"),
    ],
)
def test_latex_it_cannot_read_is_refused_not_half_converted(latex, message):
    with pytest.raises(ValueError, match=message):
        plain_formula(latex)


def test_every_form_of_the_errata_and_the_legend_converts_completely():
    forms = [f for r in errata_records() for f in (r.seed_latex, r.correct_latex)]
    for latex in [*forms, LEGEND]:
        text = plain_formula(latex)
        assert not re.search(r"[\\${}]|\^\{", text), (latex, text)
