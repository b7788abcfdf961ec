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
def _fresh_cache():
    # Throttle counters live in the shared cache: each test starts with none.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
