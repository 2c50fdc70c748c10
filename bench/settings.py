"""The app's settings, plus the bench's ceiling page (bench/urls.py). Used only by bench/."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
