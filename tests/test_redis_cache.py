"""The Redis cache backend reuses one client per connection pool (config.cache)."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

from config.cache import RedisCache


def test_the_redis_client_is_built_once_not_on_every_cache_operation():
    cache = RedisCache("redis://127.0.0.1:6379/15", {"OPTIONS": {}})
    client = cache._cache  # no connection is opened until a command is sent

    first = client.get_client("a-key")
    assert client.get_client("another-key", write=True) is first
    # Django's own client builds a new one each time, which is what this class exists to avoid.
    django_client = DjangoRedisCacheClient(["redis://127.0.0.1:6379/15"])
    assert django_client.get_client() is not django_client.get_client()
