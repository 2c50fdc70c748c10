from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_migrate, post_save


def _ensure_roles(sender, **kwargs):
    from .roles import roles_ensure

    roles_ensure()


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training"

    def ready(self):
        from . import receivers  # noqa: F401
        from .auth import _forget_saved_user

        post_migrate.connect(_ensure_roles, sender=self)
        # Any change to a user drops their cached copy (training.auth), in every process.
        post_save.connect(_forget_saved_user, sender=settings.AUTH_USER_MODEL)
        post_delete.connect(_forget_saved_user, sender=settings.AUTH_USER_MODEL)
