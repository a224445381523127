"""The Markdown renderer and its sanitiser: what may reach a learner's browser."""

import pytest

from app.core.markdown import render_markdown


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("Hello <script>alert('x')</script> world", "<script"),
        ("Hello <script>alert('x')</script> world", "alert("),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
        ("![pixel](data:image/png;base64,iVBORw0KGgo=)", "data:"),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data:"),
        ('<p style="background:url(javascript:alert(1))">styled</p>', "style="),
        ("<style>body { display: none }</style>text", "<style"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<form action="https://evil.example"><input name="p"></form>', "<form"),
        ('<div onclick="steal()">x</div>', "onclick"),
        ("<svg><script>alert(1)</script></svg>", "<svg"),
    ],
)
def test_sanitiser_removes_dangerous_markup(source, forbidden):
    html = render_markdown(source)
    assert forbidden.lower() not in html.lower()


def test_markdown_features_survive_sanitising():
    html = render_markdown(
        "## Care at home\n\n"
        "Some **bold** and *italic* text with [a link](https://example.org).\n\n"
        "| City | Hours |\n|:-----|------:|\n| Bogotá | 4.1 |\n\n"
        "```\ncode block\n```\n\n"
        '!!! note "In your city"\n    Who cares?\n'
    )
    assert '<h2 id="care-at-home">Care at home</h2>' in html
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">a link</a>' in html
    assert '<td align="left">Bogotá</td>' in html and '<td align="right">4.1</td>' in html
    assert "<pre><code>code block\n</code></pre>" in html
    assert '<div class="admonition note">' in html
    assert '<p class="admonition-title">In your city</p>' in html


def test_headings_get_unicode_anchors_and_h1_becomes_h2():
    html = render_markdown("# Title\n\n## Bogotá: manzanas\n\n### 서울")
    assert "<h1" not in html
    assert '<h2 id="title">Title</h2>' in html
    assert '<h2 id="bogotá-manzanas">' in html
    assert '<h3 id="서울">' in html


def test_images_are_lazy_and_links_are_resolved():
    def resolve(tag, target):
        return (
            {"a": "/lesson-url", "img": "/image-url"}[tag]
            if not target.startswith("http")
            else None
        )

    html = render_markdown(
        "![A map](map.png) and [next](02-next.md) and [out](https://x.org)", resolve
    )
    assert '<img alt="A map" decoding="async" loading="lazy" src="/image-url">' in html
    assert 'href="/lesson-url"' in html
    assert 'href="https://x.org"' in html


def test_unknown_classes_are_stripped():
    html = render_markdown('<div class="admonition evil-overlay">x</div>')
    assert "evil-overlay" not in html
