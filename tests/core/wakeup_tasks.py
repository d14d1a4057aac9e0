"""A task for the worker wake-up tests (a module the worker process can import by path)."""

from django_tasks import task


@task()
def ping(n: int) -> int:
    return n
