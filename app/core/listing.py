"""Lists: the filters a list reads from the query string, its pages, and its CSV download.

Every list page is built the same way (docs/architecture.md, "Adding a list page"): a
`FilterForm` read from `?…`, a `Page` of a SELECT, the `filter_bar` and `pager` macros of
`templates/macros/listing.html`, and `csv_response` for a download.
"""

import csv
import dataclasses
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from itertools import chain
from math import ceil
from typing import Any, Self

from flask import Response, current_app, request, stream_with_context, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, select
from werkzeug.datastructures import MultiDict
from wtforms import Choice, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

from app.core.inputs import integer_arg, parse_integer
from app.extensions import db

LAST_PAGE = 100_000
MAX_PER_PAGE = 1_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEARCH_LENGTH = 200


# --- Filters -------------------------------------------------------------------------------


def trimmed(length: int) -> Callable[[Any], str]:
    """A field filter: the typed text without surrounding spaces, cut to `length` characters."""
    return lambda value: (value or "").strip()[:length]


def search_field(label, *, id: str | None = None, length: int = SEARCH_LENGTH) -> StringField:
    """A text box of words to look for (`?q=`): trimmed, bounded, never an error."""
    return StringField(
        label,
        id=id,
        default="",
        filters=[trimmed(length)],
        render_kw={"type": "search", "maxlength": length},
    )


def optional_id(value) -> int | None:
    """A select's coerce for ids: a whole number in the database's range, else no filter."""
    return value if isinstance(value, int) else parse_integer(value)


class FilterSelect(SelectField):
    """A select of a filter bar: "any" first, and a value that makes no sense is no filter.

    `coerce` turns the query-string value into what the query filters on (an enum member,
    an id); what it refuses (ValueError) means "any". An enum's members are the choices;
    other choices come from the database and are given to `FilterForm.read` (an id that is
    not among them still filters, and finds nothing).
    """

    def __init__(self, label, any_label, *, coerce: Callable[[str], Any] = str, **kwargs):
        if isinstance(coerce, type) and issubclass(coerce, Enum):
            members: type[Enum] = coerce
            kwargs.setdefault(
                "choices", lambda: [SelectChoice(item.value, item.label) for item in members]
            )

        def forgiving(value):
            if value is None or value == "":
                return None
            try:
                return coerce(value)
            except ValueError:
                return None

        super().__init__(label, coerce=forgiving, validate_choice=False, **kwargs)
        self.any_label = any_label

    def _any(self) -> Choice:
        return Choice(value="", label=self.any_label, selected=self.data is None, render_kw={})

    def iter_choices(self):
        return [self._any(), *super().iter_choices()]

    def iter_groups(self):
        yield None, [self._any()]
        yield from super().iter_groups()


class FilterForm(FlaskForm):
    """A list's filters, read from the query string: a GET form, so it carries no CSRF token.

    `read()` checks every field and puts the default back where a value makes no sense (a
    hand-edited address, an old bookmark): a list never answers one with an error page.
    """

    class Meta:
        csrf = False

    submit_label = _l("Filter")
    is_search = False  # role="search" on the form

    @classmethod
    def read(cls, args: Mapping[str, str] | None = None, **choices) -> Self:
        """The filters in `args` (the request's query string), with the given fields' choices."""
        form = cls(formdata=request.args if args is None else MultiDict(args))
        form.choose(**choices)
        form.forgive()
        return form

    def choose(self, **choices) -> None:
        for name, options in choices.items():
            self[name].choices = options

    def forgive(self) -> None:
        self.validate()
        for field in self:
            if field.errors:
                field.process(None)
                field.raw_data = None
                field.errors = []

    def args(self) -> dict[str, str]:
        """The values that differ from the defaults, for links that keep them (pages, CSV)."""
        found = {}
        for field in self:
            if field.data not in (None, "", field.default):
                found[field.name] = query_value(field.data)
        return found

    @property
    def is_filtered(self) -> bool:
        """True when a visible filter is set (hidden ones, such as a sort, do not count)."""
        return any(field.name in self.args() for field in self if field.type != "HiddenField")


class PersonSearch(FilterForm):
    """A list of people searched by a part of a name or an e-mail address (`?q=`)."""

    submit_label = _l("Search")
    is_search = True

    q = search_field(_l("Name or e-mail"), id="q")


class SortedFilterForm(FilterForm):
    """Filters of a table sorted by one of its columns (`?sort=key&order=asc|desc`).

    Subclasses name their columns: `text_sorts` read A to Z first, every other one highest
    first. `choose(sort_keys=...)` gives the keys a table has (a report's quizzes).
    """

    sort = HiddenField(default="")
    order = HiddenField(default="asc")
    text_sorts: tuple[str, ...] = ()

    def choose(self, *, sort_keys: Iterable[str] = (), **choices) -> None:
        self.sort_keys = {*self.text_sorts, *sort_keys}
        self.sort.default = self.text_sorts[0]
        super().choose(**choices)

    def validate_sort(self, field) -> None:
        if field.data not in self.sort_keys:
            raise ValidationError("unknown sort")

    def forgive(self) -> None:
        order_given = bool(self.order.raw_data) and self.order.data in ("asc", "desc")
        super().forgive()
        if not order_given:
            self.order.data = self.default_order(self.sort.data)

    def default_order(self, key: str) -> str:
        """Names read A to Z; figures read highest first."""
        return "asc" if key in self.text_sorts else "desc"

    @property
    def descending(self) -> bool:
        return self.order.data == "desc"

    def args(self) -> dict[str, str]:
        """The filters, then the sort and its order when they are not the first column A to Z."""
        found = self.filter_args()
        if (self.sort.data, self.order.data) != (self.sort.default, "asc"):
            found.update(sort=self.sort.data, order=self.order.data)
        return found

    def filter_args(self) -> dict[str, str]:
        """The filters alone, for the column headers' links (each sets its own sort)."""
        found = super().args()
        found.pop("sort", None)
        found.pop("order", None)
        return found

    def sort_link_args(self, key: str) -> dict[str, str]:
        """Arguments of a column header's link: its sort, the other way round if it is on."""
        flipped = "asc" if self.descending else "desc"
        order = flipped if key == self.sort.data else self.default_order(key)
        return {**self.filter_args(), "sort": key, "order": order}

    def aria_sort(self, key: str) -> str | None:
        """The header's `aria-sort`: only the column the table is sorted by has one."""
        if key != self.sort.data:
            return None
        return "descending" if self.descending else "ascending"


def query_value(value) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- Pages ---------------------------------------------------------------------------------


def requested_page() -> int:
    """`?page=N` when it is a sensible page number, else 1 (never an error page)."""
    return max(integer_arg("page", 1, maximum=LAST_PAGE - 1) or 1, 1)


def count_of(statement: Select) -> int:
    """How many rows a SELECT returns."""
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


@dataclass(frozen=True)
class Page:
    """One page of a list, with what the `pager` macro reads.

    Every list pages the same way: page 1 below 1, the last page past the last (a bookmark of
    a list that has shrunk still shows rows).
    """

    items: list[Any]
    page: int
    per_page: int
    total: int
    # The list's route and its arguments, and the filters that the links to other pages keep.
    endpoint: str = ""
    view_args: dict[str, Any] = dataclasses.field(default_factory=dict)
    filters: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(
        cls,
        statement: Select,
        per_page: int,
        *,
        filters: FilterForm | None = None,
        count: Select | None = None,
        row: Callable[[Any], Any] | None = None,
        endpoint: str | None = None,
    ) -> Self:
        """The page `?page=` asks for of `statement`: two queries (one when nothing matches).

        `count` counts the rows when a cheaper query than counting the SELECT does it; `row`
        makes each result row an item (else the items are the SELECT's first column).
        `endpoint` is the list's own route, when a form posted elsewhere shows the list again:
        its links keep only the route arguments that route takes (not the posted row's id).
        """
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        total = (db.session.scalar(count) if count is not None else count_of(statement)) or 0
        number = min(requested_page(), pages_for(total, per_page))
        items: list[Any] = []
        if total:
            result = db.session.execute(statement.limit(per_page).offset((number - 1) * per_page))
            items = [row(values) for values in result] if row else list(result.unique().scalars())
        view_args = dict(request.view_args or {})
        if endpoint is not None:
            taken = next(current_app.url_map.iter_rules(endpoint)).arguments
            view_args = {name: value for name, value in view_args.items() if name in taken}
        return cls(
            items,
            number,
            per_page,
            total,
            endpoint or request.endpoint or "",
            view_args,
            filters.args() if filters is not None else {},
        )

    @property
    def list_url(self) -> str:
        """The list's address without filters (the first page of everything)."""
        return url_for(self.endpoint, **self.view_args)

    def url(self, number: int) -> str:
        """The address of page `number` of this list, with the same filters."""
        return url_for(self.endpoint, **self.view_args, page=number, **self.filters)

    @property
    def pages(self) -> int:
        return pages_for(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def pages_for(total: int, per_page: int) -> int:
    return max(1, ceil(total / per_page))


# --- CSV -----------------------------------------------------------------------------------


def safe_cell(value) -> str:
    """A cell as text; one that a spreadsheet would run as a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text, line by line, after a BOM so spreadsheet programs read UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    for line in chain([header], rows):
        writer.writerow([safe_cell(value) for value in line])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> Response:
    """A CSV download streamed as it is written: `rows` may read the database lazily, since
    the request's context (and its database session) is kept until the last line."""
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
