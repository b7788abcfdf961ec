import pytest


@pytest.fixture(autouse=True)
def _english_free_defaults(settings):
    # Tests see what a Chinese user sees; pages must not depend on the browser's language.
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Logins in tests need not resist guessing: a cheap hasher keeps hundreds of them quick. The default stays
    # second, for passwords set outside a test's settings (the demo loaded once for a whole module).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    # Throttle counters live in the cache: each test starts with none, in a cache folder of its own test process
    # (the xdist workers share one data folder, and one worker's clearing would wipe another's counters mid-test).
    import os

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(settings.DATA_DIR / f"cache-test-{worker}")}}
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
