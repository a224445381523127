"""Markdown to safe HTML, done once when content is imported or saved, never per request."""

import hashlib
import re
from collections.abc import Callable
from html import escape
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

# What may reach a learner's browser. Everything else (script, style, iframes, event
# handlers, style attributes) is removed; URLs may only be http(s), mailto or relative.
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height", "loading", "decoding"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "th": {"align", "scope"},
    "td": {"align"},
    "ol": {"start"},
    "code": {"class"},
    # A phrase in another language than the text around it (WCAG 3.1.2):
    # <span lang="en">Cities on the edge</span> in a Spanish lesson.
    "span": {"lang"},
}  # fmt: skip
ADMONITION_KINDS = {"note", "tip", "warning", "important"}
ALLOWED_CLASSES = {
    "div": {"admonition", *ADMONITION_KINDS},
    "p": {"admonition-title"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# Given a link or image target written in the source, return the URL to use (or None to
# leave it as it is). The content loader uses it to turn '02-lesson.md' into a lesson URL.
LinkResolver = Callable[[str, str], str | None]


class _RewriteLinks(Treeprocessor):
    def __init__(self, md, resolve: LinkResolver | None):
        super().__init__(md)
        self.resolve = resolve

    def run(self, root: Element) -> None:
        for element in root.iter():
            if element.tag == "h1":
                element.tag = "h2"  # the page owns the one h1: its title
            if element.tag == "img":
                element.set("loading", "lazy")
                element.set("decoding", "async")
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            if attribute and self.resolve and element.get(attribute):
                resolved = self.resolve(element.tag, element.get(attribute))
                if resolved is not None:
                    element.set(attribute, resolved)


class _LinkExtension(Extension):
    def __init__(self, resolve: LinkResolver | None):
        super().__init__()
        self.resolve = resolve

    def extendMarkdown(self, md):
        md.treeprocessors.register(_RewriteLinks(md, self.resolve), "caring_links", 1)


def render_markdown(text: str, resolve: LinkResolver | None = None) -> str:
    """Render Markdown (tables, fenced code, notes, heading anchors) and sanitise the HTML."""
    renderer = markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "admonition",
            "sane_lists",
            "toc",
            _LinkExtension(resolve),
        ],
        extension_configs={
            "tables": {"use_align_attribute": True},
            "toc": {"slugify": slugify_unicode, "toc_depth": "2-4"},
        },
        output_format="html",
    )
    return wrap_tables(sanitise_html(renderer.convert(text)))


_TABLE_PARTS = re.compile(r'<h[2-6] id="([^"]+)">|<(/?)table>|<tr>')


def wrap_tables(html: str) -> str:
    """Each table of sanitised HTML in a region of its own that scrolls sideways when the table
    is wider than the page (macros/tables.html): reached with Tab, named by the heading just
    before it, or by the table's first row when no heading comes before. Runs after
    sanitising, which keeps none of these attributes from the source."""
    prefix = "table-" + hashlib.sha256(html.encode()).hexdigest()[:6]
    parts, last, heading, depth, count, name_row = [], 0, None, 0, 0, None
    for match in _TABLE_PARTS.finditer(html):
        if match.group(1):
            heading = match.group(1)
            continue
        parts.append(html[last : match.start()])
        last = match.end()
        if match.group(0) == "<tr>":
            parts.append(f'<tr id="{name_row}">' if name_row else "<tr>")
            name_row = None
        elif match.group(2):  # </table>
            depth -= 1
            parts.append("</table></div>" if depth == 0 else "</table>")
        elif (depth := depth + 1) > 1:
            parts.append("<table>")
        else:
            count += 1
            label = heading or f"{prefix}-{count}"
            name_row = None if heading else label
            parts.append(
                f'<div class="table-region" role="region" tabindex="0" aria-labelledby="{label}">'
                "<table>"
            )
    parts.append(html[last:])
    return "".join(parts)


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


class _SectionHeadings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.headings: list[dict[str, str]] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        anchor = dict(attrs).get("id")
        if tag == "h2" and anchor:
            self._open = {"id": anchor, "title": ""}

    def handle_data(self, data):
        if self._open is not None:
            self._open["title"] += data

    def handle_endtag(self, tag):
        if tag == "h2" and self._open is not None:
            self._open["title"] = " ".join(self._open["title"].split())
            self.headings.append(self._open)
            self._open = None


def section_headings(html: str) -> list[dict[str, str]]:
    """The id and plain text of each h2 with an id in rendered HTML: a lesson's sections."""
    parser = _SectionHeadings()
    parser.feed(html)
    parser.close()
    return parser.headings


# The title of the notes that ask learners about their own city: the lesson page links such
# a lesson to its module's discussion (docs/discussions.md).
CITY_PROMPT_TITLE = "In your city"


def has_note_titled(html: str, title: str = CITY_PROMPT_TITLE) -> bool:
    """Whether rendered HTML holds a note (`!!! note "title"`) with this title."""
    return f'<p class="admonition-title">{escape(title)}</p>' in html
