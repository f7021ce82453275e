"""Markdown rendering of answers: table-driven (pure function, no window)."""

from __future__ import annotations

import pytest

from desktop_app.gui.chat.markdown_render import plain_to_html, render_markdown


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


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("15.", "15."),  # an ordered list starting at 15 with nothing in it
        ("1.", "1."),
        ("2024.", "2024."),
        ("-", "-"),  # an empty bullet
        ("#", "#"),  # an empty heading
        ("> ", ">"),  # an empty quote
        ("***", "***"),  # only a rule
        ("```\n```", "```\n```"),  # only an empty code block
        ("The year was:\n\n2024.", "The year was:\n2024."),  # a paragraph, then the bare number
        ("- 15.", "- 15."),  # nested: a bullet holding an empty numbered list
        ("See [1]\n\n1.", "See [1]\n1."),
    ],
)
def test_text_that_markdown_would_render_empty_is_shown_as_written(text, shown):
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(render_markdown(text, [1]))
    assert doc.toPlainText().strip() == shown


@pytest.mark.parametrize("text", ["1. one\n2. two", "# Title\n\nbody", "> quoted", "a\n\n***\n\nb", "- a\n- b"])
def test_real_markdown_blocks_still_render(text):
    html = render_markdown(text)
    assert any(tag in html for tag in ("<ol>", "<h1>", "<blockquote>", "<hr />", "<ul>")), html


def test_a_bare_number_answer_shows_in_the_window(qtbot, main_window, fake_backend):
    """The model answered "15." and the chat showed an empty bubble (issue 14)."""
    from tests.gui.chat.test_chat_window import answers, send, wait_idle

    fake_backend.enqueue("15.")
    send(qtbot, main_window, "Pick a number between 10 and 20.")
    qtbot.waitUntil(lambda: bool(answers(main_window)) and answers(main_window)[-1].status == "complete", timeout=10000)
    wait_idle(qtbot, main_window)
    answer = answers(main_window)[-1]
    assert answer.text() == "15." and answer.body.toPlainText().strip() == "15."
    # Reopened from the store, the same.
    main_window.new_chat()
    main_window.open_conversation(main_window.sidebar.conversation_ids()[0])
    assert answers(main_window)[-1].body.toPlainText().strip() == "15."


def test_code_blocks_get_the_code_style():
    assert '<pre style="background:#eee">' in render_markdown("```\ncode\n```", code_style="background:#eee")


def test_plain_questions_are_escaped_with_line_breaks():
    assert plain_to_html("a <b>\nc & d") == "<p>a &lt;b&gt;<br>c &amp; d</p>"


def test_latex_is_rendered_readably():
    """LaTeX from the model is shown as Unicode (core/math_text.py), citations still linked."""
    html = render_markdown("So \\[ 12 \\times 5 = 60 \\] dollars [1].", [1])
    assert "12 × 5 = 60" in html and "\\times" not in html and 'href="cite:1"' in html
