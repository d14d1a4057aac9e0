"""Run as a script: wrong passwords at ``/admin/login/`` from one address, in a process of its own.

Usage: ``python -m tests.hardening.admin_guesses GUESSES``, with the settings (production), database
and cache in the environment. Prints the statuses answered as one JSON list. Used by
``test_admin_login_throttle.py`` to show that two processes share one budget of guesses.
"""

import json
import sys


def main(guesses: int) -> list[int]:
    import django

    django.setup()
    from django.test import Client

    client = Client(REMOTE_ADDR="203.0.113.7")
    return [
        client.post("/admin/login/", {"username": "alice", "password": f"guess-{n}"}).status_code
        for n in range(guesses)
    ]


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
