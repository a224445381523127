"""Rendered fragments shared by every reader: parts of a page that are the same for everyone who
reads it in one language (a lesson's text, a course's modules, a cohort's schedule in one time
zone, a certificate's facts), rendered once and then copied into each page.

A fragment is named by its kind and by everything its HTML depends on, versions included: a
course's `outline_version`, a certificate's `record_version`, the reader's language (always
added here) and, for times, the reader's zone. A changed course has a new version, so its
readers ask for new names and the old fragments are never read again: nothing is ever
invalidated, and no timer decides what is current.

Two stores, looked up in turn: this process's own (a bounded LRU dict), then, when REDIS_URL is
set, Redis, which every node and worker shares, so a fragment rendered by one is not rendered
again by the others. Redis keeps old fragments for FRAGMENT_REDIS_DAYS only to give the memory
back; an unreachable Redis is skipped (the fragment is rendered), never an error.

In templates: ``{% call fragment('lesson-text', lesson.id, version) %}...{% endcall %}``.
What differs from reader to reader inside a shared fragment (a ✓ on the lessons they have done)
is a slot, ``{{ slot('lesson-12') }}`` in the body, filled on each request from
``fragment(..., slots={'lesson-12': html})``; a slot not given is left empty.
"""

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, current_app
from markupsafe import Markup

from app.core.i18n import current_language

log = logging.getLogger(__name__)

KEPT_IN_PROCESS = 4000  # fragments one process keeps (a few KB each: some MB in all)
REDIS_PREFIX = "fragment:"
REDIS_SECONDS = 7 * 24 * 3600  # memory hygiene for names no version will ask for again


class FragmentStore:
    """One process's fragments, the most recently used kept; and Redis behind it, if set."""

    def __init__(self, redis_url: str | None, size: int = KEPT_IN_PROCESS):
        self.size = size
        self.kept: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()
        self.redis = None
        if redis_url:
            import redis  # only where Redis is configured (app/config.py checks the package)

            self.redis = redis.Redis.from_url(
                redis_url, socket_connect_timeout=0.5, socket_timeout=0.5
            )
        self.rendered = 0  # fragments this process rendered (tests and benchmarks read it)

    def get_or_render(self, key: str, render: Callable[[], str]) -> str:
        with self.lock:
            found = self.kept.get(key)
            if found is not None:
                self.kept.move_to_end(key)
                return found
        found = self._shared(key)
        if found is None:
            found = render()
            self.rendered += 1
            self._share(key, found)
        with self.lock:
            self.kept[key] = found
            if len(self.kept) > self.size:
                self.kept.popitem(last=False)
        return found

    def clear(self) -> None:
        with self.lock:
            self.kept.clear()

    def _shared(self, key: str) -> str | None:
        if self.redis is None:
            return None
        try:
            found = self.redis.get(REDIS_PREFIX + key)
        except Exception as error:  # any Redis failure: render instead
            log.warning("fragment cache unreachable: %s", error)
            return None
        return None if found is None else found.decode()

    def _share(self, key: str, html: str) -> None:
        if self.redis is None:
            return
        try:
            self.redis.set(REDIS_PREFIX + key, html.encode(), ex=REDIS_SECONDS)
        except Exception as error:
            log.warning("fragment cache unreachable: %s", error)


def fragment_store(app: Flask | None = None) -> FragmentStore:
    return (app or current_app).extensions["fragments"]


def fragment_key(kind: str, parts: tuple[Hashable, ...]) -> str:
    """The fragment's name: its kind, what it depends on, and the reader's language."""
    prefix = current_app.config.get("FRAGMENT_PREFIX", "")
    return ":".join([prefix, kind, current_language(), *(str(part) for part in parts)])


def cached(kind: str, *parts: Hashable, render: Callable[[], str]) -> Markup:
    """The fragment `kind` for `parts` (versions included), rendered by `render` if no store
    has it."""
    html = fragment_store().get_or_render(fragment_key(kind, parts), render)
    return Markup(html)  # noqa: S704 (rendered by a template, which escaped it)


SLOT_NAME = re.compile(r"[\w.-]+")
SLOT = re.compile(rf"<!--slot:({SLOT_NAME.pattern})-->")


def slot(name: str) -> Markup:
    """Where a reader's own HTML goes in a shared fragment."""
    if not SLOT_NAME.fullmatch(name):
        raise ValueError(f"a slot's name is letters, digits, '.', '-' and '_': {name!r}")
    return Markup(f"<!--slot:{name}-->")  # noqa: S704 (the name is checked above)


def fill_slots(html: str, slots: dict[str, str]) -> Markup:
    """The fragment with each slot replaced by this reader's HTML (escaped unless Markup)."""
    if not slots:
        return Markup(SLOT.sub("", html))  # noqa: S704 (a fragment: escaped when rendered)
    escaped = {name: str(Markup.escape(value)) for name, value in slots.items()}
    filled = SLOT.sub(lambda found: escaped.get(found.group(1), ""), html)
    return Markup(filled)  # noqa: S704 (the fragment and the slots, each escaped)


def fragment_in_template(
    kind: str, *parts: Hashable, caller: Callable[[], str], slots: dict | None = None
) -> Markup:
    """`{% call fragment(kind, *parts, slots={...}) %}body{% endcall %}`: the body, rendered
    once per name, with this reader's slots filled."""
    return fill_slots(cached(kind, *parts, render=lambda: str(caller())), slots or {})


def register_fragments(app: Flask) -> None:
    # Each test app (and each deployment) names its own: two apps on one Redis never mix.
    app.config.setdefault("FRAGMENT_PREFIX", app.config.get("RATELIMIT_KEY_PREFIX") or "")
    app.extensions["fragments"] = FragmentStore(app.config.get("REDIS_URL"))
    app.add_template_global(fragment_in_template, "fragment")
    app.add_template_global(slot, "slot")
