"""Seed the peer (django-helpdesk) for bench/peer_run.py, like bench/harness.seed seeds
ours: ``agents`` staff users, ``tickets`` open tickets each assigned to them (a customer's
e-mail as submitter, so a public update e-mails the customer, as helpdesk does by
default), two queues, and one logged-in session per agent with its CSRF secret.

    DJANGO_SETTINGS_MODULE=peer.settings bench/.peer-venv/bin/python -m peer.seed AGENTS TICKETS OUT

Writes OUT (JSON): {"pairs": [{"session", "csrf", "agent", "tickets": [[id, queue, title],
...]}, ...], "statements_per_update": n} (counted through the test client).
"""

import json
import sys

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402
from helpdesk.models import Queue, Ticket  # noqa: E402


def main(agents: int, per_agent: int, out: str) -> None:
    password = make_password("bench-password")
    with transaction.atomic():
        queues = [
            Queue.objects.create(
                title=f"Bench {n}", slug=f"bench-{n}", email_address=f"q{n}@localhost"
            )
            for n in range(2)
        ]
        # One by one: helpdesk's post_save signal gives each user its UserSettings row.
        users = [
            User.objects.create(
                username=f"peer-agent-{i:04d}",
                email=f"agent{i}@localhost",
                is_staff=True,
                password=password,
            )
            for i in range(agents)
        ]
        tickets = Ticket.objects.bulk_create(
            [
                Ticket(
                    title=f"Bench ticket {a}-{t}",
                    queue=queues[(a + t) % 2],
                    submitter_email=f"customer{(a * per_agent + t) % 500}@localhost",
                    assigned_to=user,
                    status=Ticket.OPEN_STATUS,
                    priority=3,
                    description="Parcel arrived damaged",
                )
                for a, user in enumerate(users)
                for t in range(per_agent)
            ]
        )
    rows = []
    for a, user in enumerate(users):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        mine = tickets[a * per_agent : (a + 1) * per_agent]
        rows.append(
            {
                "session": session.session_key,
                # Django accepts the 32-character secret as both cookie and header.
                "csrf": get_random_string(32),
                "agent": user.pk,
                "tickets": [[t.pk, t.queue_id, t.title] for t in mine],
            }
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    with open(out, "w") as f:
        json.dump({"pairs": rows, "statements_per_update": statements(users[-1], tickets[-1])}, f)


def statements(user: User, ticket: Ticket) -> int:
    """Statements of one ticket update, through the test client (one warm-up update first;
    both add a follow-up the row count check of bench/peer_run.py starts after)."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    data = {
        "comment": "Refund offered: parcel arrived damaged",
        "new_status": Ticket.OPEN_STATUS,
        "public": 1,
        "title": ticket.title,
        "owner": user.pk,
        "priority": 3,
        "queue": ticket.queue_id,
        "due_date": "",
    }
    url = f"/tickets/{ticket.pk}/update/"
    assert client.post(url, data).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 302, response.status_code
    return len(queries)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
