"""The router's suggestion for a new case: the category whose name the trained model predicts.

The model is the file `banyan cases train-router` writes (`router.pkl` in the data directory). Each process loads
it once and again when the file changes; without a trained model there is simply no suggestion.
"""

import logging
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)
_loaded: dict = {}


def router_path() -> Path:
    return Path(settings.DATA_DIR) / "router.pkl"


def router_current():
    """The trained router, or None; reloaded when the file's modification time changes."""
    path = router_path()
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        return None
    if _loaded.get("stamp") != (path, stamp):
        from banyan.cases.router import Router

        try:
            _loaded.update(stamp=(path, stamp), router=Router.load(path))
        except Exception:  # a damaged or foreign file must not stop intake: no suggestion, and the log says why
            logger.exception("The case router at %s could not be loaded", path)
            _loaded.update(stamp=(path, stamp), router=None)
    return _loaded["router"]


def category_suggested(text: str, title: str = ""):
    """The category the router suggests for this text (None without a router, or for a label it no longer
    knows)."""
    from banyan.cases.models import Category

    router = router_current()
    if router is None or not text:
        return None
    ranked = router.suggest(text, title=title)
    if not ranked:
        return None
    return Category.objects.filter(name=ranked[0][0]).order_by("parent_id", "pk").first()
