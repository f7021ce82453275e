"""LaTeX a model writes is shown as readable Unicode text (pure function, table-driven)."""

from __future__ import annotations

import pytest

from desktop_app.core.math_text import readable_math


@pytest.mark.parametrize("latex, shown", [
    # The bundled model's own answer to "What is 25 percent of 80?" (benchmarks/answer_quality.py).
    ("\\[ 25\\% \\text{ of } 80 = \\frac{25}{100} \\times 80 \\]", "25% of 80 = 25/100 × 80"),
    ("the answer is \\( 20 \\).", "the answer is 20."),
    ("\\frac{a+b}{2}", "(a+b)/2"),
    ("\\sqrt{144} = 12, \\sqrt[3]{27} = 3", "√144 = 12, ∛27 = 3"),
    ("$\\pi r^2$", "π r²"),
    ("x_{1} + x_{2} \\leq 10", "x₁ + x₂ ≤ 10"),
    ("\\left( \\frac{1}{2} \\right)^{10}", "( 1/2 )¹⁰"),
    ("100^\\circ \\text{C}", "100° C"),
    ("\\boxed{42}", "42"),
    ("2^{n+1} \\approx \\infty", "2ⁿ⁺¹ ≈ ∞"),
    ("e^{i\\pi}", "e^(iπ)"),  # no superscript for π: written out
])
def test_latex_becomes_readable(latex, shown):
    assert readable_math(latex) == shown


@pytest.mark.parametrize("text", [
    "Plain text with $12 and $60, a file_name and 3^2.",  # no LaTeX at all: untouched
    "E = mc^2",
])
def test_text_without_latex_is_untouched(text):
    assert readable_math(text) == text


def test_code_is_left_as_written():
    text = "Use `\\frac{a}{b}` in LaTeX:\n\n```latex\n\\frac{1}{2} \\times 3\n```\n\nwhich shows \\( \\frac{1}{2} \\)."
    assert readable_math(text) == ("Use `\\frac{a}{b}` in LaTeX:\n\n```latex\n\\frac{1}{2} \\times 3\n```\n\n"
                                   "which shows 1/2.")


def test_streamed_pieces_are_converted_line_by_line_and_code_is_kept():
    from desktop_app.core.math_text import StreamedMath

    pieces = ["25 percent of 80:\n\n\\[ 25", "\\% \\text{ of } 80 = \\fr", "ac{25}{100} \\times 80 \\]\n\nSo ",
              "the answer is \\( 20 \\", ").\n```latex\n\\frac{1}{2}\n```\nCost $12 and `a \\times b`", " ok"]
    stream = StreamedMath()
    shown = [stream.feed(piece) for piece in pieces]
    assert shown[0] == "25 percent of 80:\n\n"  # plain text passes at once; the LaTeX line waits
    assert "".join(shown) + stream.flush() == ("25 percent of 80:\n\n25% of 80 = 25/100 × 80\n\nSo the answer is 20.\n"
                                               "```latex\n\\frac{1}{2}\n```\nCost $12 and `a \\times b` ok")
