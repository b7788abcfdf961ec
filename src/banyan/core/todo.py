"""The one to-do list (待办) of a person: every module that assigns work registers a selector here, and the home
page shows what they return together, most urgent first.

A selector takes the user and returns `Todo` items for work that this user (or a grid, a unit they belong to)
must do now; it reads through the access door like every selector, and costs a fixed number of queries.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Todo:
    kind: str  # what sort of work, as the user reads it: "迁入申请", "案件办理"
    title: str
    url: str
    due: dt.datetime | None = None  # the deadline, if any
    urgent: bool = False  # overdue or flagged: shown first
    detail: str = ""

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.now()


SELECTORS: list[Callable] = []


def todo_selector(fn: Callable) -> Callable:
    """Register a selector `fn(user) -> list[Todo]` for the home page's to-do list (use as a decorator)."""
    SELECTORS.append(fn)
    return fn


def todo_list(user, limit: int = 50) -> list[Todo]:
    """The user's to-do items from every module: urgent and overdue first, then by deadline (none last)."""
    items = [item for selector in SELECTORS for item in selector(user)]
    far = timezone.now() + dt.timedelta(days=36500)
    items.sort(key=lambda t: (not (t.urgent or t.overdue), t.due or far, t.title))
    return items[:limit]


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    detail: str = ""


LINKS: list[Callable] = []


def my_links_selector(fn: Callable) -> Callable:
    """Register a selector `fn(user) -> list[Link]`: the user's own records (their party member file, their
    branch), shown on the home page beside their place."""
    LINKS.append(fn)
    return fn


def my_links(user) -> list[Link]:
    return [link for selector in LINKS for link in selector(user)]
