"""The signed-in user, read from the shared cache instead of the database on every request.

Every request of a signed-in learner looks their user up by the id in the session; a learner
taking a 10-question quiz makes 14 requests. With a cache shared by every app server (Redis,
``REDIS_URL``) the lookup comes from the cache, and any change to the user drops the cached
copy at once: saving or deleting the user (deactivating the account, changing the password,
a new login) sends a signal that deletes it, in whichever process made the change. Each cached
copy also expires after ``AUTH_USER_CACHE_SECONDS``, a safety net for a bulk ``update()`` that
sends no signal.

With a cache private to each process (the embedded default's local memory) a change made in
one worker would not reach the others, so the settings turn caching off (0 seconds) and this
backend is Django's ``ModelBackend`` exactly. Permissions are never cached: they are read per
request as usual, so a change of role takes effect on the next page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache


def user_cache_key(user_id) -> str:
    return f"auth-user:{user_id}"


def user_forget(user_id) -> None:
    """Drops the cached copy of the user: the next request reads them from the database."""
    cache.delete(user_cache_key(user_id))


class CachedUserBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` (the lookup on every request) uses the cache."""

    def get_user(self, user_id):
        seconds = getattr(settings, "AUTH_USER_CACHE_SECONDS", 0)
        if not seconds:
            return super().get_user(user_id)
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            cache.set(key, user, seconds)
        return user if self.user_can_authenticate(user) else None


def _forget_saved_user(sender, instance, **kwargs):
    user_forget(instance.pk)
