"""Reading pages as a person (or a screen reader) meets them: text, links, attributes, forms.

Assertions on parsed HTML say what a page shows without depending on how the templates
happen to write it (attribute order, quotes, white space). Every helper takes a test
client's response or an HTML string; selectors are CSS (soupsieve), the parser is the
standard library's `html.parser`:

    assert text(response, "h1") == "Example course"
    assert one(response, "h1")["lang"] == "en"
    assert form_fields(response, "form#profile")["name"] == "Ana Pérez"
    assert "/courses/example-course" in links(response)
"""

from bs4 import BeautifulSoup, Tag

__all__ = [
    "attribute",
    "choices",
    "csrf_token",
    "find",
    "form_fields",
    "links",
    "named_links",
    "one",
    "page",
    "table_rows",
    "text",
    "texts",
]


def page(response_or_html) -> BeautifulSoup:
    """The parsed document (a response of the test client, or HTML text)."""
    if isinstance(response_or_html, BeautifulSoup | Tag):
        return response_or_html
    if hasattr(response_or_html, "get_data"):
        response_or_html = response_or_html.get_data(as_text=True)
    return BeautifulSoup(response_or_html, "html.parser")


def find(response_or_html, selector: str) -> list[Tag]:
    """Every element the CSS selector matches, in document order."""
    return page(response_or_html).select(selector)


def one(response_or_html, selector: str) -> Tag:
    """The one element the selector matches (fails when there are none or several)."""
    found = find(response_or_html, selector)
    assert len(found) == 1, f"{len(found)} elements match {selector!r}"
    return found[0]


def _words(element: Tag) -> str:
    # As the text reads: inline markup adds no space ("“<span>Title</span>”" is "“Title”").
    return " ".join(element.get_text().split())


def texts(response_or_html, selector: str) -> list[str]:
    """The text of each matching element, white space folded to single spaces."""
    return [_words(element) for element in find(response_or_html, selector)]


def text(response_or_html, selector: str | None = None) -> str:
    """The text of the one element the selector matches; without a selector, the text of the
    element given (a Tag) or of the page's body."""
    if selector is None:
        if isinstance(response_or_html, Tag) and not isinstance(response_or_html, BeautifulSoup):
            return _words(response_or_html)
        selector = "body"
    return _words(one(response_or_html, selector))


def attribute(response_or_html, selector: str, name: str) -> list[str]:
    """The value of attribute `name` on each matching element that has it."""
    values = []
    for element in find(response_or_html, selector):
        value = element.get(name)
        if value is not None:
            values.append(" ".join(value) if isinstance(value, list) else value)
    return values


def links(response_or_html, selector: str = "body") -> list[str]:
    """The targets of the links inside the matching elements, in document order."""
    return [
        link["href"]
        for scope in find(response_or_html, selector)
        for link in scope.select("a[href]")
    ]


def named_links(response_or_html, selector: str = "body") -> list[tuple[str, str]]:
    """(text, target) of each link inside the matching elements, in document order."""
    return [
        (_words(link), link["href"])
        for scope in find(response_or_html, selector)
        for link in scope.select("a[href]")
    ]


def form_fields(response_or_html, selector: str = "form") -> dict[str, str | list[str]]:
    """What the one matching form would send as it is shown: its fields' names and values.

    Hidden fields (csrf_token too), text areas, selected options, checked boxes and radio
    buttons; a name with several values (checkboxes, multiple selects) maps to a list, and
    one with nothing checked is left out, as a browser leaves it out. Buttons, file inputs
    and disabled fields are left out too."""
    if isinstance(response_or_html, Tag) and response_or_html.name == "form":
        form = response_or_html
    else:
        form = one(response_or_html, selector)
    fields: dict[str, list[str]] = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        if field.has_attr("disabled"):
            continue
        if field.name == "textarea":
            # A newline right after <textarea> is not part of the value (WTForms writes one).
            value = field.get_text().replace("\r\n", "\n").replace("\r", "\n")
            values = [value.removeprefix("\n")]
        elif field.name == "select":
            options = field.select("option")
            chosen = [option for option in options if option.has_attr("selected")]
            if not chosen and options and not field.has_attr("multiple"):
                chosen = options[:1]
            values = [option.get("value", option.get_text()) for option in chosen]
        else:
            kind = field.get("type", "text").lower()
            if kind in {"submit", "button", "reset", "image", "file"}:
                continue
            if kind in {"checkbox", "radio"} and not field.has_attr("checked"):
                continue
            values = [field.get("value", "on" if kind in {"checkbox", "radio"} else "")]
        fields.setdefault(field["name"], []).extend(values)
    return {name: values[0] if len(values) == 1 else values for name, values in fields.items()}


def choices(response_or_html, selector: str = "form") -> dict[str, list[str]]:
    """The radio buttons' and checkboxes' names in the one matching form, and the values
    each name offers, in the order shown (checked or not)."""
    offered: dict[str, list[str]] = {}
    for field in one(response_or_html, selector).select(
        'input[type="radio"][name], input[type="checkbox"][name]'
    ):
        offered.setdefault(field["name"], []).append(field.get("value", "on"))
    return offered


def csrf_token(response_or_html) -> str:
    """The CSRF token of the page's first form that has one."""
    fields = page(response_or_html).select('input[name="csrf_token"]')
    assert fields, "the page has no CSRF token"
    return fields[0]["value"]


def table_rows(response_or_html, selector: str = "table") -> list[list[str]]:
    """The text of each cell, row by row, of the one matching table (its header row too)."""
    table = one(response_or_html, selector)
    return [
        [_words(cell) for cell in row.find_all(["th", "td"], recursive=False)]
        for row in table.select("tr")
    ]
