"""Arithmetic written in words or symbols, parsed whole and worked out exactly.

"What is 17 times 3?", "2 to the power of 10", "15% of 240", "the sum of 45, 55 and 100",
"(12 + 8) / 4", "the square root of 225": the question is rewritten into a few operator tokens,
then read by a small recursive-descent parser with the usual precedence (powers, then ×/÷/"of",
then +/−). A question with any word the parser does not know is not a calculation: the model
answers it, so "What is 5 times the speed of light?" never gets a half-understood result.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from desktop_app.calc.numbers import FRACTION_WORDS, NUMBER, is_number, number_word_value, parse_number

MAX_EXPONENT = 1000  # 2^1000 has 302 digits; a larger power is no everyday question
MAX_DIGITS = 400

# Phrases rewritten to one token each, longest first where one contains another.
_PHRASES = [
    (r"\b(?:raised )?to the power of\b|\braised to\b", " ^ "),
    (r"\bmultiplied by\b|\btimes\b|\bmultiply\b", " * "),
    (r"\bdivided by\b|\bover\b", " / "),
    (r"\bplus\b|\badded to\b", " + "),
    (r"\bminus\b|\btake away\b", " - "),
    (r"\bsquare root of\b", " sqrt "),
    (r"\bcube root of\b", " cbrt "),
    (r"\bsquared\b", " ^ 2 "),
    (r"\bcubed\b", " ^ 3 "),
    (r"\bper ?cent\b|%", " % "),
    (r"\bthe sum of\b|\bsum of\b|\badd up\b|\btotal of\b", " sum "),
    (r"\bthe product of\b|\bproduct of\b", " product "),
    (r"\bthe (?:average|mean) of\b|\b(?:average|mean) of\b", " mean "),
    (r"\bthe difference between\b|\bdifference between\b", " difference "),
]
_TOKEN = re.compile(rf"{NUMBER}|[-+*/^(),%]|[a-z]+")
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "of": 2, "^": 3}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SYMBOL = {"+": "+", "-": "−", "*": "×", "/": "÷", "of": "of", "^": "^"}


class NotArithmetic(Exception):
    """The text is not (only) arithmetic: let the model answer."""


class Undefined(Exception):
    """Arithmetic with no value (division by zero, the root of a negative number)."""


@dataclass(frozen=True)
class Node:
    """One step of the worked-out expression: a number, or an operator over its operands."""

    op: str  # "num", "+", "-", "*", "/", "of", "^", "%", "neg", "sqrt", "cbrt", "sum", "product", "mean", "difference"
    args: tuple = ()
    value: Fraction = Fraction(0)
    exact: bool = True
    text: str = ""  # how a number was written ("1,200")

    def show(self, parent: int = 0) -> str:
        """The expression in symbols: "7 + 8 × 2", "15% of 240", "√225", "(12 + 8) ÷ 4"."""
        if self.op == "num":
            return self.text
        if self.op == "%":
            return f"{self.args[0].show(4)}%"
        if self.op == "neg":
            inner = self.args[0]
            # "−3²" reads two ways; the value is −(3²), so say so.
            return f"−({inner.show()})" if inner.op == "^" else f"−{inner.show(4)}"
        if self.op in ("sqrt", "cbrt"):
            return ("√" if self.op == "sqrt" else "∛") + self.args[0].show(4)
        if self.op in ("sum", "product"):
            return (" + " if self.op == "sum" else " × ").join(a.show(_PRECEDENCE["+" if self.op == "sum" else "*"] + 1)
                                                            for a in self.args)
        if self.op == "mean":
            return f"the mean of {', '.join(a.show() for a in self.args)}"
        if self.op == "difference":
            first, second = sorted(self.args, key=lambda a: a.value, reverse=True)
            return f"{first.show(2)} − {second.show(2)}"
        if self.op == "^" and self.args[1].op == "num" and self.args[1].text.isdigit():
            return self.args[0].show(4) + self.args[1].text.translate(_SUPERSCRIPT)
        if self.op == "of" and self.args[0].op == "/" and all(a.op == "num" for a in self.args[0].args):
            top, bottom = self.args[0].args
            return f"{top.text}/{bottom.text} of {self.args[1].show(3)}"
        level = _PRECEDENCE[self.op]
        left = self.args[0].show(level + (1 if self.op == "^" else 0))
        right = self.args[1].show(level + (0 if self.op == "^" else 1))
        text = f"{left}{_SYMBOL[self.op]}{right}" if self.op == "^" else f"{left} {_SYMBOL[self.op]} {right}"
        return f"({text})" if level < parent else text


def tokens(text: str) -> list[str]:
    """The question's arithmetic as tokens; raises NotArithmetic when a character cannot be read."""
    text = text.lower().replace("×", "*").replace("÷", "/").replace("−", "-").replace("–", "-")
    text = text.replace("²", " squared ").replace("³", " cubed ").replace("√", " square root of ")
    text = re.sub(r"(?<=\d)\s*x\s*(?=[\d(])", " * ", text)  # "19 x 21", "3x(2+1)"
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)  # "twenty-five"
    for pattern, token in _PHRASES:
        text = re.sub(pattern, token, text)
    found = [t for t in _TOKEN.findall(text) if t != "the"]  # "the square root of 225"
    if re.sub(rf"{NUMBER}|[-+*/^(),%]|[a-z]+|\s", "", text):
        raise NotArithmetic(text)
    return _number_words(found)


def _number_words(found: list[str]) -> list[str]:
    """Number words as digits ("twenty five" -> "25"), and fractions in words as "n/d" items
    ("a quarter" -> "1/4", "two thirds" -> "2/3", "3 quarters" -> "3/4")."""
    out: list[str] = []
    i = 0
    while i < len(found):
        word = found[i]
        if word in ("a", "an") and i + 1 < len(found) and found[i + 1] in DENOMINATORS:
            out.append(f"1/{DENOMINATORS[found[i + 1]]}")
            i += 2
            continue
        read = number_word_value(found[i:]) if word.isalpha() else None
        if read is None and word.isdigit():
            read = (Fraction(int(word)), 1)
        if read is not None:
            value, used = read
            following = found[i + used] if i + used < len(found) else ""
            if following in DENOMINATORS and value.denominator == 1:
                out.append(f"{value.numerator}/{DENOMINATORS[following]}")
                i += used + 1
                continue
            out.append(str(value) if word.isalpha() else word)
            i += used
            continue
        out.append(word)
        i += 1
    return out


# Fractions said in words, after "a" or a count: "a half", "two thirds", "3 quarters", "a tenth".
DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fifth": 5,
                "fifths": 5, "sixth": 6, "sixths": 6, "eighth": 8, "eighths": 8, "tenth": 10, "tenths": 10}


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


class _Parser:
    def __init__(self, items: list[str]) -> None:
        self.items = items
        self.at = 0
        self.operations = 0  # an expression with no operation ("What is 12?") is no calculation

    def peek(self) -> str | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, expected: str | None = None) -> str:
        item = self.peek()
        if item is None or (expected is not None and item != expected):
            raise NotArithmetic(f"expected {expected or 'more'} at {self.at}")
        self.at += 1
        return item

    def expression(self) -> Node:
        node = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            node = _apply(op, node, self.term())
            self.operations += 1
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek() in ("*", "/", "of"):
            op = self.take()
            node = _apply(op, node, self.unary())
            self.operations += 1
        return node

    def unary(self) -> Node:
        item = self.peek()
        if item == "-":
            self.take()
            inner = self.unary()
            return Node("neg", (inner,), -inner.value, inner.exact)
        if item in ("sqrt", "cbrt"):
            self.take()
            self.operations += 1
            return _root(item, self.unary())
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.peek() == "^":
            self.take()
            self.operations += 1
            return _apply("^", base, self.unary())
        return base

    def postfix(self) -> Node:
        node = self.primary()
        if self.peek() == "%":
            self.take()
            self.operations += 1
            node = Node("%", (node,), node.value / 100, node.exact)
        return node

    def primary(self) -> Node:
        item = self.take()
        if is_number(item):
            return Node("num", value=parse_number(item), text=_written(item))
        if re.fullmatch(r"\d+/\d+", item or ""):
            return Node("num", value=Fraction(item), text=item)
        if item in FRACTION_WORDS:  # "half of 80"
            return Node("num", value=FRACTION_WORDS[item], text=_fraction_text(FRACTION_WORDS[item]))
        if item == "(":
            node = self.expression()
            self.take(")")
            return node
        if item in ("sum", "product", "mean"):
            return self._aggregate(item)
        if item == "difference":
            first = self.expression()
            self.take("and")
            second = self.expression()
            self.operations += 1
            return Node("difference", (first, second), abs(first.value - second.value), first.exact and second.exact)
        raise NotArithmetic(f"unexpected {item!r}")

    def _aggregate(self, op: str) -> Node:
        parts = [self.expression()]
        while self.peek() in (",", "and"):
            self.take()
            if self.peek() == "and":  # "45, 55, and 100"
                self.take()
            parts.append(self.expression())
        if len(parts) < 2:
            raise NotArithmetic("a sum of one number")
        self.operations += 1
        values = [p.value for p in parts]
        if op == "sum":
            value = sum(values, Fraction(0))
        elif op == "product":
            value = math.prod(values)
        else:
            value = sum(values, Fraction(0)) / len(values)
        return Node(op, tuple(parts), Fraction(value), all(p.exact for p in parts))


def _written(item: str) -> str:
    value = parse_number(item)
    return f"{value.numerator:,}" if value.denominator == 1 and "," in item else item


def _apply(op: str, left: Node, right: Node) -> Node:
    exact = left.exact and right.exact
    a, b = left.value, right.value
    if op in ("+", "-") and right.op == "%":
        b = a * b  # "200 plus 15%" is 230, as on a calculator and a price tag, not 200.15
    if op == "+":
        value = a + b
    elif op == "-":
        value = a - b
    elif op in ("*", "of"):
        value = a * b
    elif op == "/":
        if b == 0:
            raise Undefined("division by zero is undefined")
        value = a / b
    else:
        value, exact = _power(a, b, exact)
    return Node(op, (left, right), value, exact)


def _power(base: Fraction, exponent: Fraction, exact: bool) -> tuple[Fraction, bool]:
    if abs(exponent) > MAX_EXPONENT:
        raise NotArithmetic("exponent too large")
    if exponent.denominator == 1:
        if base == 0 and exponent < 0:
            raise Undefined("zero has no negative power")
        digits = abs(exponent) * math.log10(max(abs(base.numerator), abs(base.denominator), 2))
        if digits > MAX_DIGITS:
            raise NotArithmetic("result too large to show")
        return base ** int(exponent), exact
    if base < 0:
        raise Undefined("a negative number has no real fractional power")
    return Fraction(float(base) ** float(exponent)), False


def _root(kind: str, inner: Node) -> Node:
    value = inner.value
    if kind == "sqrt" and value < 0:
        raise Undefined("a negative number has no real square root")
    degree = 2 if kind == "sqrt" else 3
    root = _exact_root(abs(value), degree)
    if root is not None:
        return Node(kind, (inner,), root if value >= 0 else -root, inner.exact)
    approx = abs(float(value)) ** (1 / degree)
    return Node(kind, (inner,), Fraction(approx if value >= 0 else -approx), False)


def _exact_root(value: Fraction, degree: int) -> Fraction | None:
    def integer_root(n: int) -> int | None:
        r = round(n ** (1 / degree)) if n < 2**52 else math.isqrt(n) if degree == 2 else None
        if r is None:
            return None
        for candidate in (r - 1, r, r + 1):
            if candidate >= 0 and candidate**degree == n:
                return candidate
        return None

    top, bottom = integer_root(value.numerator), integer_root(value.denominator)
    return Fraction(top, bottom) if top is not None and bottom is not None else None


def value(text: str) -> Node:
    """A number or an expression ("80", "1,200", "3 times 4"); raises NotArithmetic otherwise."""
    parser = _Parser(tokens(text))
    node = parser.expression()
    if parser.peek() is not None:
        raise NotArithmetic("words left over")
    return node


def evaluate(text: str) -> Node:
    """The worked-out arithmetic of ``text``.

    Raises:
        NotArithmetic: ``text`` holds anything but arithmetic, or no operation at all.
        Undefined: the arithmetic has no value (division by zero).
    """
    parser = _Parser(tokens(text))
    node = parser.expression()
    if parser.peek() is not None or parser.operations == 0:
        raise NotArithmetic("words left over, or nothing to work out")
    return node
