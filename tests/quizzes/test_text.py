"""Every text a learner sees is Markdown rendered to sanitised HTML."""

from __future__ import annotations

from quizzes.text import render_inline, render_markdown


def test_markdown_is_rendered():
    assert str(render_markdown("**Stop** the C-arm")) == "<p><strong>Stop</strong> the C-arm</p>"
    assert str(render_inline("**Stop**")) == "<strong>Stop</strong>"


def test_scripts_handlers_and_javascript_links_are_removed_every_time():
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> [go](javascript:alert(3))'
    for _ in range(2):  # the second call comes from the memo: it must be just as clean
        html = str(render_markdown(hostile))
        assert "<script" not in html
        assert "onerror" not in html
        assert "javascript:" not in html
