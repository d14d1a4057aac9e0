from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self) -> None:
        from django_tasks_db.compat import task_enqueued  # noqa: PLC0415 - needs the app registry

        from core.task_wakeup import task_enqueued_notify  # noqa: PLC0415 - imports models

        task_enqueued.connect(task_enqueued_notify, dispatch_uid="core.task_wakeup")
