"""Markdown rendering of answers: table-driven (pure function, no window)."""

from __future__ import annotations

import pytest

from desktop_app.gui.markdown_render import plain_to_html, render_markdown


@pytest.mark.parametrize(
    ("text", "numbers", "must", "must_not"),
    [
        ("**bold** and *it*", [], ["<strong>bold</strong>", "<em>it</em>"], []),
        ("<script>alert(1)</script>", [], ["&lt;script&gt;"], ["<script>"]),
        ("<img src=x onerror=alert(1)>", [], ["&lt;img"], ["<img"]),
        ("[click](javascript:alert(1))", [], [], ['href="javascript']),
        ("[site](https://example.org)", [], ['<a href="https://example.org">site</a>'], []),
        ("```python\nx = [1]\n```", [1], ['<code class="language-python">x = [1]'], ['href="cite:1"']),
        ("inline `a[1]` code", [1], ["<code>a[1]</code>"], ['href="cite:1"']),
        ("Revenue grew [1] and costs fell [2].", [1, 2], ['<a href="cite:1">[1]</a>', '<a href="cite:2">[2]</a>'], []),
        ("Unknown source [7].", [1], ["[7]"], ['href="cite:7"']),
        ("| a | b |\n|---|---|\n| 1 | 2 |", [], ['<table border="1"', "<td>1</td>"], []),
        ("- one\n- two", [], ["<ul>", "<li>one</li>"], []),
    ],
)
def test_render_markdown(text, numbers, must, must_not):
    html = render_markdown(text, numbers)
    for piece in must:
        assert piece in html, (piece, html)
    for piece in must_not:
        assert piece not in html, (piece, html)


def test_code_blocks_get_the_code_style():
    assert '<pre style="background:#eee">' in render_markdown("```\ncode\n```", code_style="background:#eee")


def test_plain_questions_are_escaped_with_line_breaks():
    assert plain_to_html("a <b>\nc & d") == "<p>a &lt;b&gt;<br>c &amp; d</p>"
