"""Math a model wrote as LaTeX, shown as readable text: "\\frac{25}{100} \\times 80" -> "25/100 × 80".

The system prompt asks for plain text, yet small models still write LaTeX now and then (the
bundled model did in 3 of 120 general answers: "\\[ 25\\% \\text{ of } 80 = \\frac{25}{100} \\times
80 \\]"), and Markdown shows that as a tangle of backslashes. QTextBrowser cannot typeset math,
so the common commands become Unicode: fractions with a slash, powers and indices as
super/subscripts where Unicode has them, operators and Greek letters as their symbols. Code
(fenced blocks and `inline code`) is left exactly as written. Used by the window
(gui/chat/markdown_render.py) and, line by line as it streams, the CLI (``StreamedMath`` in cli/ask.py).
"""

from __future__ import annotations

import re

_SYMBOLS = {
    "times": "×", "cdot": "·", "div": "÷", "pm": "±", "mp": "∓", "leq": "≤", "le": "≤", "geq": "≥",
    "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "equiv": "≡", "sim": "~", "infty": "∞", "to": "→",
    "rightarrow": "→", "Rightarrow": "⇒", "leftarrow": "←", "implies": "⇒", "iff": "⇔", "in": "∈",
    "notin": "∉", "subset": "⊂", "cup": "∪", "cap": "∩", "sum": "Σ", "prod": "Π", "int": "∫",
    "partial": "∂", "nabla": "∇", "degree": "°", "circ": "°", "cdots": "⋯", "ldots": "…", "dots": "…",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ",
    "phi": "φ", "varphi": "φ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Omega": "Ω", "%": "%", "$": "$", "{": "{", "}": "}", "&": "&",
    "#": "#", "_": "_", ",": " ", ";": " ", ":": " ", "!": "", "quad": " ", "qquad": "  ", " ": " ",
    "left": "", "right": "", "displaystyle": "", "limits": "", "\\": "\n",
}
_TEXT_COMMANDS = ("text", "mathrm", "textbf", "mathbf", "textit", "mathit", "operatorname", "boxed", "mbox",
                  "mathsf", "mathtt", "textrm")
_SUPERSCRIPT = str.maketrans("0123456789+-=()niabcdefghjklmoprstuvwxyz", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻ")
_SUBSCRIPT = str.maketrans("0123456789+-=()aeoxhklmnpst", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜ")
_SUPERSCRIPT_CHARS = set("0123456789+-=()niabcdefghjklmoprstuvwxyz")
_SUBSCRIPT_CHARS = set("0123456789+-=()aeoxhklmnpst")
# A sign that a text holds LaTeX at all: a backslash command or a display delimiter.
_LATEX_HINT = re.compile(r"\\(?:[a-zA-Z]+|\[|\(|%)")
_CODE = re.compile(r"(```.*?(?:```|$)|`[^`\n]*`)", re.DOTALL)
_INLINE_DOLLARS = re.compile(r"\$(?=[^$\n]*(?:\\[a-zA-Z]|[_^]\{))([^$\n]+)\$")
# Display and inline math delimiters, with the spaces models put inside them ("\( 20 \).").
_DELIMITERS = re.compile(r"\\[\[(][ \t]*|[ \t]*\\[\])]|\$\$")


def readable_math(text: str) -> str:
    """``text`` with its LaTeX math rewritten as plain Unicode; text without LaTeX comes back as is."""
    if not text or not _LATEX_HINT.search(text):
        return text
    parts = _CODE.split(text)
    return "".join(part if i % 2 else _prose(part) for i, part in enumerate(parts))


def _prose(text: str) -> str:
    if not _LATEX_HINT.search(text):
        return text
    text = _INLINE_DOLLARS.sub(r"\1", text)  # "$\frac{1}{2}$"; a plain "$12" stays
    text = _DELIMITERS.sub("", text)
    text = _math(text)
    # The delimiters' padding and removed spacing commands leave runs of spaces.
    return re.sub(r"[ \t]{2,}", " ", re.sub(r"[ \t]+\n", "\n", text))


def _math(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i = _command(text, i, out)
        elif ch in "^_" and _previous_is_math(out) and (ch == "^" or text[i + 1:i + 2] == "{" or text[i + 1:i + 2].isdigit()):
            arg, i = _argument(text, i + 1)
            out.append(_script(_math(arg), superscript=ch == "^"))
        elif ch == "{":
            arg, i = _argument(text, i)
            out.append(_math(arg))
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _command(text: str, i: int, out: list[str]) -> int:
    match = re.match(r"\\([a-zA-Z]+|.)", text[i:])
    if match is None:
        out.append("\\")
        return i + 1
    name = match.group(1)
    i += len(match.group(0))
    if name in ("frac", "dfrac", "tfrac"):
        top, i = _argument(text, i)
        bottom, i = _argument(text, i)
        out.append(f"{_grouped(_math(top))}/{_grouped(_math(bottom))}")
    elif name == "sqrt":
        degree = ""
        if text[i:i + 1] == "[":
            close = text.find("]", i)
            degree, i = (text[i + 1:close], close + 1) if close > 0 else ("", i)
        arg, i = _argument(text, i)
        root = {"": "√", "3": "∛", "4": "∜"}.get(degree.strip(), _script(degree, True) + "√")
        out.append(root + _grouped(_math(arg)))
    elif name in _TEXT_COMMANDS:
        arg, i = _argument(text, i)
        out.append(_math(arg))
    elif name in _SYMBOLS:
        out.append(_SYMBOLS[name])
    else:
        out.append(name if name.isalpha() else "\\" + name)  # unknown: its name beats a backslash
    return i


def _argument(text: str, i: int) -> tuple[str, int]:
    """The braced group (or the single character) at ``i``, and where it ends."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        return "", i
    if text[i] != "{":
        if text[i] == "\\":
            match = re.match(r"\\([a-zA-Z]+|.)", text[i:])
            return match.group(0), i + len(match.group(0))
        return text[i], i + 1
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1:j], j + 1
    return text[i + 1:], len(text)  # unbalanced: take the rest


def _grouped(text: str) -> str:
    """Parentheses around a fraction's part when it is more than one number or word."""
    text = text.strip()
    return f"({text})" if re.search(r"[\s+\-×·÷/]", text) else text


def _script(text: str, superscript: bool) -> str:
    text = text.strip()
    chars = _SUPERSCRIPT_CHARS if superscript else _SUBSCRIPT_CHARS
    if text and all(c in chars for c in text):
        return text.translate(_SUPERSCRIPT if superscript else _SUBSCRIPT)
    if superscript and text == "°":
        return "°"
    return ("^" if superscript else "_") + (text if len(text) == 1 else f"({text})")


def _previous_is_math(out: list[str]) -> bool:
    """A ^ or _ after a number, letter or closing bracket is a power or an index, not prose."""
    previous = "".join(out[-3:]).rstrip(" ")
    return bool(previous) and (previous[-1].isalnum() or previous[-1] in ")]}°")


class StreamedMath:
    """``readable_math`` for text that arrives in pieces (the CLI prints an answer as it streams).

    Text is passed on at once until a line shows a backslash or a backtick; from there the line is
    held until it ends, then converted whole. Lines inside a fenced code block pass unchanged.
    """

    def __init__(self) -> None:
        self._held = ""
        self._in_code = False

    def feed(self, piece: str) -> str:
        """What can be printed now of ``piece`` (converted where needed)."""
        self._held += piece
        out: list[str] = []
        while "\n" in self._held:
            line, self._held = self._held.split("\n", 1)
            out.append(self._line(line) + "\n")
        cut = min((i for i in (self._held.find("\\"), self._held.find("`")) if i >= 0), default=len(self._held))
        if not self._in_code and cut:
            out.append(self._held[:cut])
            self._held = self._held[cut:]
        return "".join(out)

    def flush(self) -> str:
        """The rest, converted: the answer has ended."""
        rest, self._held = self._held, ""
        return self._line(rest) if rest else ""

    def _line(self, line: str) -> str:
        if line.lstrip().startswith("```"):
            self._in_code = not self._in_code
            return line
        return line if self._in_code else readable_math(line)

