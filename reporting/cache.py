"""Report figures kept for a few minutes for the pages people open, with the time they were computed.

On a real book the whole-book figures take seconds each (the team dashboard's forecast, the forecast
page's six months of forecast against actual, DSO history): a manager flicking between pages, or
five managers opening the dashboard at nine, should not pay for them each time. Web pages (not the
API, the nightly jobs, the commands or the benchmark: they always compute) keep each figure
`REPORT_CACHE_SECONDS` (default 600; 0 turns this off) in the shared cache, keyed by the report and
its arguments (bound to the function's signature, defaults filled in, so the same figure asked
for two ways is one key) and the database it came from. A page that shows a kept figure says when
it was computed and offers to recompute now (`?fresh=1`), which recomputes every figure on the
page and keeps the new ones.

Only calls whose arguments are plain values (dates, numbers, text, model instances by primary key,
lists of those) are kept; anything else (a queryset, say) is computed every time.

A write that changes kept figures makes them obsolete at once, not after the minutes: every key
carries two generations, the ledger's (bumped by every money move, `ledger.touch.ledger_moved`)
and this app's (bumped by `figures_changed`, which the writes above the ledger call, e.g. saving a
target), so the next page computes afresh. A figure that depends on more than money (the
e-delivery page's, on contacts and delivery switches) names its own generations as well
(`kept_with(core.generations.ACCOUNTS_KEY)`): only those figures go when such a row is written.

When several people ask for the same missing figure at once, one computes it and the others wait
for it (`reporting.single_flight`). `warming()` is how the morning task computes the pages' figures
before anyone opens them (`team.warm`), kept `REPORT_WARM_SECONDS`.
"""

import dataclasses
import hashlib
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import ParamSpec, TypeVar

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db.models import Model
from django.utils import timezone

from core.generations import REPORTS_KEY, generation, reports_changed
from ledger.touch import ledger_generation
from reporting.frames import reads_shared
from reporting.single_flight import single_flight

VERSION = 1  # part of every key: bump when a report's result changes shape

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class PageFigures:
    """What one web request did with kept figures."""

    recompute: bool = False  # ?fresh=1: compute everything again and keep the new figures
    oldest_kept: datetime | None = None  # computed_at of the oldest kept figure shown
    generation: str | None = None  # read once per request (see the module's docstring)
    generations: dict[str, int] = dataclasses.field(default_factory=dict)  # kept_with's, read once too

    keep_seconds: int | None = None  # the morning warm-up keeps its figures longer than a page does
    computed: set[str] = dataclasses.field(default_factory=set)  # keys computed during this request

    def shown(self, computed_at: datetime) -> None:
        if self.oldest_kept is None or computed_at < self.oldest_kept:
            self.oldest_kept = computed_at

    def shown_value(self, found: tuple):
        computed_at, value = found
        self.shown(computed_at)
        return value


_page: ContextVar[PageFigures | None] = ContextVar("report_cache_page", default=None)


class _Uncacheable(Exception):
    pass


def _plain(value) -> str:
    if value is None or isinstance(value, bool | int | str | Decimal):
        return repr(value)
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    if isinstance(value, Model):
        return f"{value._meta.label}:{value.pk!r}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_plain(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_plain(k)}:{_plain(v)}" for k, v in sorted(value.items())) + "}"
    raise _Uncacheable


def _key(name: str, args: tuple, kwargs: dict, generation: str = "") -> str | None:
    try:
        text = "|".join([name, *(_plain(a) for a in args), *(f"{k}={_plain(v)}" for k, v in sorted(kwargs.items()))])
    except (_Uncacheable, TypeError):  # TypeError: a dict whose keys do not sort
        return None
    return f"reports:v{VERSION}:{_database()}:{generation}:{hashlib.sha256(text.encode()).hexdigest()}"


def _database() -> str:
    """Which database the figures were computed from: two books (a test database and the demo, two
    checkouts) sharing one Redis never read each other's figures."""
    db = settings.DATABASES["default"]
    text = f"{db.get('ENGINE')}|{db.get('HOST') or ''}|{db.get('PORT') or ''}|{db.get('NAME')}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _bound(signature: inspect.Signature, args: tuple, kwargs: dict) -> dict | None:
    """The call's arguments by name with the defaults filled in: `forecast(as_of=d)` and
    `forecast(as_of=d, horizon_end=None)` (or `months=6` passed or not) are one figure, one key."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    for parameter in signature.parameters.values():  # **kwargs and *args spread out as plain values
        if parameter.kind is parameter.VAR_KEYWORD:
            arguments.update(arguments.pop(parameter.name, {}))
    return arguments


def figures_changed() -> None:
    """A write that kept figures depend on (a target, say) committed: keep none from before it.
    Call inside the write's transaction; the generation moves once it commits."""
    reports_changed()


def _generation() -> str:
    return f"{ledger_generation()}.{generation(REPORTS_KEY)}"


def _for_keeping(value):
    """What goes into the cache: a report without the per-invoice frame it was computed from (a
    forecast's is ~25 MB on a large book, and unpickling it cost every warm view 0.25 s). The pages
    show the report's own figures and tables, never that frame."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and isinstance(
            getattr(value, "invoices", None), pd.DataFrame):
        return dataclasses.replace(value, invoices=None)  # type: ignore[call-arg]
    return value


def kept(func: Callable[P, R]) -> Callable[P, R]:
    """Keep `func`'s result for web pages (see the module's docstring); elsewhere call it."""
    return _keeper(func, ())


def kept_with(*generation_keys: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """`kept`, made obsolete as well whenever one of these generations (`core.generations`) moves:
    for figures that depend on rows other than money (contacts, delivery switches)."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        return _keeper(func, generation_keys)

    return decorate


def _page_generation(page: PageFigures, keys: tuple[str, ...]) -> str:
    if page.generation is None:
        page.generation = _generation()
    for key in keys:
        if key not in page.generations:
            page.generations[key] = generation(key)
    return ".".join([page.generation, *(str(page.generations[key]) for key in keys)])


def _keeper(func: Callable[P, R], generation_keys: tuple[str, ...]) -> Callable[P, R]:
    name = f"{func.__module__}.{func.__qualname__}"
    signature = inspect.signature(func)

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        page = _page.get()
        seconds = (page.keep_seconds or settings.REPORT_CACHE_SECONDS) if page is not None else 0
        if page is None or seconds <= 0:
            return func(*args, **kwargs)
        arguments = _bound(signature, args, kwargs)
        key = _key(name, (), arguments, _page_generation(page, generation_keys)) if arguments is not None else None
        if key is None:
            return func(*args, **kwargs)
        recompute = page.recompute and key not in page.computed  # ?fresh=1 recomputes a figure once
        if not recompute and (found := cache.get(key)) is not None:
            return page.shown_value(found)
        with single_flight(key) as first:
            if not first and not recompute and (found := cache.get(key)) is not None:
                return page.shown_value(found)  # computed by whoever held the lock meanwhile
            value = func(*args, **kwargs)
            cache.set(key, (timezone.now(), _for_keeping(value)), seconds)
            page.computed.add(key)
        return value

    return wrapper


@contextmanager
def warming(seconds: int | None = None) -> Iterator[PageFigures]:
    """Compute every kept figure called inside the block afresh and keep it `seconds` (default
    REPORT_WARM_SECONDS), as a page would: for the task that warms the morning's pages."""
    token = _page.set(PageFigures(recompute=True, keep_seconds=seconds or settings.REPORT_WARM_SECONDS))
    try:
        with reads_shared():
            yield _page.get()  # type: ignore[misc]
    finally:
        _page.reset(token)


class ReportCacheMiddleware:
    """Web pages (GET, outside the API) may show kept figures; `?fresh=1` recomputes them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "GET" or request.path.startswith("/api/"):
            return self.get_response(request)
        token = _page.set(PageFigures(recompute="fresh" in request.GET))
        try:
            with reads_shared():  # a page's figures read the open invoices at a date once
                return self.get_response(request)
        finally:
            _page.reset(token)


def freshness(request) -> dict:
    """Template context: when the oldest kept figure on this page was computed, and the link that
    recomputes them (only when the page shows a kept figure)."""
    page = _page.get()
    if page is None or page.oldest_kept is None:
        return {}
    query = request.GET.copy()
    query["fresh"] = "1"
    return {"figures_computed_at": page.oldest_kept, "figures_recompute_query": query.urlencode(),
            "figures_kept_minutes": max(settings.REPORT_CACHE_SECONDS // 60, 1)}
