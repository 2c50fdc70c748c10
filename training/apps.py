from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender, **kwargs):
    from .roles import roles_ensure

    roles_ensure()


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training"

    def ready(self):
        from . import receivers  # noqa: F401

        post_migrate.connect(_ensure_roles, sender=self)
