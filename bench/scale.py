"""Scale: does a decision cost the same as history grows, and do the lists stay flat?

    .venv/bin/python bench/scale.py [--quick]

In a fresh ``disc_bench`` (see bench/harness.py), in-process through Django's full stack
(test client: middleware, DRF, token auth; no HTTP server, so no network noise):

- the case list (``/api/v1/cases/``, as an admin), the escalation queue
  (``/api/v1/escalations/?status=pending``, as a supervisor) and ``/api/v1/me/`` (an
  agent with that many resolutions): statement count and median time with 10 rows and
  with 10,000 rows;
- the decision (``POST /api/v1/cases/{id}/resolutions/``): statement count and median
  time with ~10, 10,000 and 1,000,000 prior resolutions (spread over 10,000 cases, 1,000
  customers and 10 agents, applied over the last 60 days, so half of them fall in the
  30-day customer-history window the policy context reads);
- the track record (``GET /api/v1/agents/{id}/record/``, as the agent): with 10 and
  10,000 of the agent's own requests, then among 1,000,000 resolutions for a typical
  agent (5,000 requests over a year: applied, escalated and decided, rejected, reviewed)
  at ``?days=90`` and ``?days=365``, and for the busiest agent (every one of its ~110,000
  requests inside the window), with the ``EXPLAIN ANALYZE`` of its GROUP BY in
  scale.json.

History is bulk-inserted with ``INSERT ... SELECT generate_series`` (seconds, not hours).
Writes bench/results/scale.json and scale.md and prints the table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params or [])


def scalar(statement: str, params: list | None = None):
    with connection.cursor() as cur:
        cur.execute(statement, params or [])
        return cur.fetchone()[0]


def add_customers_and_cases(n_cases: int, n_customers: int) -> None:
    sql(
        "INSERT INTO cases_customer (external_id, name, email, created_at) "
        "SELECT 'SCALE-' || g, 'Scale customer ' || g, '', now() "
        "FROM generate_series(1, %s) g",
        [n_customers],
    )
    sql(
        "INSERT INTO cases_case (subject, description, category, status, customer_id, "
        "assignee_id, created_by_id, external_ref, source, remedies_total, created_at, "
        "updated_at) SELECT 'Scale case ' || g, '', 'complaint', 'open', "
        "(SELECT min(id) FROM cases_customer WHERE external_id LIKE 'SCALE-%%') "
        "  + (g %% %s), NULL, NULL, '', '', 0, now() - g * interval '1 minute', now() "
        "FROM generate_series(1, %s) g",
        [n_customers, n_cases],
    )


def add_history(n: int, agent_ids: list[int], remedy_type_id: int) -> None:
    """``n`` applied resolutions over every case and the given agents, last 60 days."""
    lo, hi = scalar("SELECT min(id) FROM cases_case"), scalar("SELECT max(id) FROM cases_case")
    sql(
        "INSERT INTO cases_resolution (requested_amount, amount, reason, customer_message, "
        "status, counts_against_budget, decision, created_at, applied_at, budget_day, "
        "agent_id, case_id, remedy_type_id) "
        "SELECT 10.00, 10.00, 'history', '', 'applied', false, '{}'::jsonb, ts, ts, NULL, "
        "%s + (g %% %s), %s + (g %% %s), %s "
        "FROM (SELECT g, now() - (g %% 5184000) * interval '1 second' AS ts "
        "      FROM generate_series(1, %s) g) s",
        [agent_ids[0], len(agent_ids), lo, hi - lo + 1, remedy_type_id, n],
    )
    sql("ANALYZE cases_resolution")


def add_agent_resolutions(n: int, agent_id: int, remedy_type_id: int) -> None:
    case_id = scalar("SELECT min(id) FROM cases_case")
    sql(
        "INSERT INTO cases_resolution (requested_amount, amount, reason, customer_message, "
        "status, counts_against_budget, decision, created_at, applied_at, budget_day, "
        "agent_id, case_id, remedy_type_id) "
        "SELECT 5.00, 5.00, 'me history', '', 'applied', false, '{}'::jsonb, now(), now(), "
        "NULL, %s, %s, %s FROM generate_series(1, %s) g",
        [agent_id, case_id, remedy_type_id, n],
    )


def add_pending_escalations(n: int, agent_id: int, supervisor_id: int, remedy_type_id: int):
    lo, hi = scalar("SELECT min(id) FROM cases_case"), scalar("SELECT max(id) FROM cases_case")
    last = scalar("SELECT coalesce(max(id), 0) FROM discretion_escalation")
    sql(
        "WITH r AS ("
        " INSERT INTO cases_resolution (requested_amount, amount, reason, customer_message, "
        " status, counts_against_budget, decision, created_at, applied_at, budget_day, "
        " agent_id, case_id, remedy_type_id) "
        " SELECT 250.00, 250.00, 'over', '', 'pending_approval', false, '{}'::jsonb, now(), "
        " NULL, NULL, %s, %s + (g %% %s), %s FROM generate_series(1, %s) g RETURNING id) "
        "INSERT INTO discretion_escalation (resolution_id, status, level, assigned_to_id, "
        "policy_levels, policy_repeat_times, round, due_at, routed_at, overdue, version, "
        "decision_note, decided_at, created_at) SELECT id, 'pending', 1, %s, "
        '\'[{"level": 1, "timeout_seconds": 900}, {"level": 2, "timeout_seconds": 900}]\','
        " 0, 0, now() + interval '1 day', now(), false, 0, '', NULL, now() FROM r",
        [agent_id, lo, hi - lo + 1, remedy_type_id, n, supervisor_id],
    )
    for event, actor in (("created", agent_id), ("assigned", None)):
        sql(
            "INSERT INTO discretion_escalationevent (escalation_id, at, event, actor_id, level, "
            "assigned_to_id, note) SELECT id, now(), %s, %s, 1, %s, '' "
            "FROM discretion_escalation WHERE id > %s",
            [event, actor, supervisor_id if event == "assigned" else None, last],
        )
    sql("ANALYZE")


def add_reviews(n: int, agent_id: int) -> None:
    """``n`` pending reviews (verify-after sampling) of the agent's newest resolutions
    that have none yet."""
    sql(
        "INSERT INTO discretion_review (resolution_id, agent_id, remedy_type_id, reason, "
        "status, verdict, note, reviewer_id, created_at, done_at) "
        "SELECT r.id, r.agent_id, r.remedy_type_id, 'sampled', 'pending', '', '', NULL, "
        "r.created_at, NULL FROM cases_resolution r "
        "WHERE r.agent_id = %s AND NOT EXISTS "
        "(SELECT 1 FROM discretion_review v WHERE v.resolution_id = r.id) "
        "ORDER BY r.id DESC LIMIT %s",
        [agent_id, n],
    )


def add_follow_ups(n: int, agent_id: int) -> None:
    """``n`` open follow-ups assigned to the agent, over the cases, due over two weeks."""
    lo, hi = scalar("SELECT min(id) FROM cases_case"), scalar("SELECT max(id) FROM cases_case")
    sql(
        "INSERT INTO discretion_followup (case_id, due_at, note, assigned_to_id, status, "
        "done_at, done_by_id, created_by_id, created_at, notified_at) "
        "SELECT %s + (g %% %s), now() + (g %% 1209600) * interval '1 second', "
        "'Call the customer back', %s, 'open', NULL, NULL, %s, now(), NULL "
        "FROM generate_series(1, %s) g",
        [lo, hi - lo + 1, agent_id, agent_id, n],
    )


def add_incident(supervisor_id: int, remedy_type_id: int) -> int:
    """One active incident with a refund schedule (the incident page's subject)."""
    return scalar(
        "WITH i AS (INSERT INTO discretion_incident (title, status, customer_explanation, "
        "starts_at, ends_at, budget, spent, matcher, created_by_id, created_at, ended_at, "
        "ended_by_id) VALUES ('Scale outage', 'active', 'The courier lost a day of parcels.', "
        "now() - interval '30 days', now() + interval '30 days', 100000000.00, 0, '', %s, "
        "now(), NULL, NULL) RETURNING id), "
        "r AS (INSERT INTO discretion_incidentremedy (incident_id, remedy_type_id, "
        "per_remedy_max) SELECT id, %s, 50.00 FROM i) SELECT id FROM i",
        [supervisor_id, remedy_type_id],
    )


def add_incident_cases(n: int, incident_id: int, agent_id: int, remedy_type_id: int) -> None:
    """Link ``n`` more cases to the incident, each with one refund its budget paid (as the
    decision records it: ``decision.incident``), spread over the incident's 30 days. The
    cases' ``active_incident_id`` stays empty, so the decision rows of this script are
    decided as before."""
    first = scalar(
        "SELECT coalesce(max(case_id), (SELECT min(id) - 1 FROM cases_case)) "
        "FROM discretion_incidentcase WHERE incident_id = %s",
        [incident_id],
    )
    sql(
        "WITH c AS (INSERT INTO discretion_incidentcase (incident_id, case_id, via, "
        "linked_by_id, linked_at) SELECT %s, id, 'hand', NULL, now() FROM cases_case "
        "WHERE id > %s ORDER BY id LIMIT %s RETURNING case_id) "
        "INSERT INTO cases_resolution (requested_amount, amount, reason, customer_message, "
        "status, counts_against_budget, decision, created_at, applied_at, budget_day, "
        "agent_id, case_id, remedy_type_id) "
        "SELECT a, a, 'incident', '', 'applied', false, "
        "jsonb_build_object('outcome', 'apply', 'incident', %s), ts, ts, NULL, %s, case_id, %s "
        "FROM (SELECT case_id, 10.00 + (case_id %% 40) AS a, "
        "      now() - (case_id %% 2592000) * interval '1 second' AS ts FROM c) s",
        [incident_id, first, n, incident_id, agent_id, remedy_type_id],
    )
    sql(
        "UPDATE discretion_incident SET spent = (SELECT coalesce(sum(amount), 0) "
        "FROM cases_resolution WHERE decision->>'incident' = %s::text) WHERE id = %s",
        [incident_id, incident_id],
    )


def add_record_agent(n: int, agent_id: int, boss_id: int, remedy_type_id: int) -> None:
    """``n`` requests of one agent over the last 365 days, in every bucket of the record:
    70% applied on their own authority, 20% escalated (a quarter approved as asked, half
    approved lower, a quarter denied), 10% rejected; every 20th applied one reviewed."""
    lo, hi = scalar("SELECT min(id) FROM cases_case"), scalar("SELECT max(id) FROM cases_case")
    last = scalar("SELECT coalesce(max(id), 0) FROM cases_resolution")
    sql(
        "INSERT INTO cases_resolution (requested_amount, amount, reason, customer_message, "
        "status, counts_against_budget, decision, created_at, applied_at, budget_day, "
        "agent_id, case_id, remedy_type_id) "
        "SELECT 50.00, CASE WHEN g %% 10 = 8 THEN 30.00 ELSE 50.00 END, 'record', '', "
        "CASE WHEN g %% 10 < 7 THEN 'applied' WHEN g %% 10 = 9 THEN 'rejected' "
        "     WHEN g %% 20 = 7 THEN 'denied' ELSE 'applied' END, "
        "g %% 10 < 7, '{}'::jsonb, ts, ts, NULL, %s, %s + (g %% %s), %s "
        "FROM (SELECT g, now() - g * %s * interval '1 second' AS ts "
        "      FROM generate_series(1, %s) g) s",
        [agent_id, lo, hi - lo + 1, remedy_type_id, 365 * 86400 // (n + 1), n],
    )
    sql(
        "INSERT INTO discretion_escalation (resolution_id, status, level, assigned_to_id, "
        "policy_levels, policy_repeat_times, round, due_at, routed_at, overdue, version, "
        "decided_by_id, decision_note, decided_at, created_at) "
        "SELECT id, CASE WHEN status = 'denied' THEN 'denied' ELSE 'approved' END, 1, %s, "
        "'[]', 0, 0, NULL, created_at, false, 1, %s, '', created_at, created_at "
        "FROM cases_resolution WHERE id > %s AND (status = 'denied' OR "
        "(status = 'applied' AND NOT counts_against_budget))",
        [boss_id, boss_id, last],
    )
    sql(
        "INSERT INTO discretion_review (resolution_id, agent_id, remedy_type_id, reason, "
        "status, verdict, note, reviewer_id, created_at, done_at) "
        "SELECT id, agent_id, remedy_type_id, 'sampled', 'done', "
        "CASE WHEN (id - %s) %% 60 = 1 THEN 'coach' ELSE 'good_call' END, '', %s, "
        "created_at, created_at FROM cases_resolution "
        "WHERE id > %s AND counts_against_budget AND (id - %s) %% 20 = 1",
        [last, boss_id, last, last],
    )
    # As autovacuum would by now: the visibility map lets the record's scan of the agent's
    # requests be index-only (resolution_agent_created_idx).
    sql("VACUUM ANALYZE cases_resolution")
    sql("ANALYZE")


def record_plan(agent_id: int, days: int) -> str:
    """EXPLAIN ANALYZE of the record's GROUP BY for one agent."""
    from discretion.models import User
    from discretion.records.selectors import agent_record_rows, record_window

    rows = agent_record_rows(agent=User.objects.get(pk=agent_id), window=record_window(days))
    return rows.explain(analyze=True, buffers=True)


def incident_plan(incident_id: int) -> str:
    """EXPLAIN ANALYZE of the incident page's spend-by-day query (its SQL as the selector
    sends it)."""
    from discretion.incidents.selectors import incident_get, incident_spend_by_day

    incident = incident_get(incident_id=incident_id)
    with CaptureQueriesContext(connection) as queries:
        incident_spend_by_day(incident=incident)
    (query,) = queries.captured_queries
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
        return "\n".join(row[0] for row in cur.fetchall())


def measure(
    client: Client,
    method: str,
    path: str | Callable[[], str],
    token: str,
    body=None,
    n: int = 20,
):
    """(statements of one call, median ms over ``n`` calls)."""

    auth = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}

    def call():
        if method == "post":
            response = client.post(
                path() if callable(path) else path,
                body,
                content_type="application/json",
                **auth,
            )
        else:
            response = client.get(path() if callable(path) else path, **auth)
        assert response.status_code in (200, 201), (path, response.status_code, response.content)
        return response

    call()  # warm
    with CaptureQueriesContext(connection) as queries:
        call()
    statements = len(queries)  # now: the next request clears the log
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statements, round(statistics.median(times), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 instead of 1,000,000")
    parser.add_argument("--calls", type=int, default=30, help="calls per median")
    args = parser.parse_args(argv)
    big = 100_000 if args.quick else 1_000_000

    from knox.models import AuthToken

    from discretion.models import Role, User

    print("==> fresh database, seed: 10 agents, 10 cases", file=sys.stderr)
    harness.fresh_database()
    harness.flush_redis()
    seeded = harness.seed(agents=10, cases_per_agent=1, customers=10)
    admin = User.objects.create(username="scale-admin", role=Role.ADMIN, is_staff=True)
    admin_token = AuthToken.objects.create(user=admin, expiry=None)[1]
    supervisor = User.objects.get(pk=seeded.supervisor_ids[0])
    supervisor_token = AuthToken.objects.create(user=supervisor, expiry=None)[1]
    agent_id, agent_token = seeded.agent_ids[0], seeded.tokens[0]
    rt = seeded.remedy_type_id
    client = Client()
    web = Client()  # the incident page is a web page: a supervisor's session
    web.force_login(supervisor)
    cases = list(seeded.case_ids)
    counter = {"i": 0}

    def next_case() -> str:
        counter["i"] += 1
        return f"/api/v1/cases/{cases[counter['i'] % len(cases)]}/resolutions/"

    body = {"remedy_type": "refund", "amount": "1.00", "reason": "Scale benchmark"}
    rows: list[dict] = []
    plans: dict[str, str] = {}

    record_path = f"/api/v1/agents/{agent_id}/record/"

    def record(label: str, path: str, token: str) -> None:
        count, ms = measure(client, "get", path, token, n=args.calls)
        rows.append({"what": "record", "rows": label, "statements": count, "median_ms": ms})
        print(f"  record {label:>40}: {count} statements, {ms} ms", file=sys.stderr)

    def lists(label: int | str) -> None:
        for name, path, token, via in (
            ("case list", "/api/v1/cases/", admin_token, client),
            ("escalation queue", "/api/v1/escalations/?status=pending", supervisor_token, client),
            ("/me", "/api/v1/me/", agent_token, client),
            ("record `?days=90`", record_path, agent_token, client),
            (
                "reviews queue `?status=pending`",
                "/api/v1/reviews/?status=pending",
                supervisor_token,
                client,
            ),
            (
                "follow-ups `?status=open&assigned_to=me`",
                "/api/v1/follow-ups/?status=open&assigned_to=me",
                agent_token,
                client,
            ),
            ("incident page (web)", lambda: f"/incidents/{incident_id}/", "", web),
        ):
            count, ms = measure(via, "get", path, token, n=args.calls)
            rows.append({"what": name, "rows": label, "statements": count, "median_ms": ms})
            print(f"  {name:18} {label:>9} rows: {count} statements, {ms} ms", file=sys.stderr)

    def decision(label: int) -> None:
        count, ms = measure(client, "post", next_case, agent_token, body, n=args.calls * 3)
        history = scalar("SELECT count(*) FROM cases_resolution")
        rows.append(
            {
                "what": "decision",
                "rows": label,
                "history": history,
                "statements": count,
                "median_ms": ms,
            }
        )
        print(
            f"  decision with {history:>9} resolutions: {count} statements, {ms} ms",
            file=sys.stderr,
        )

    print("==> 10 rows each", file=sys.stderr)
    add_pending_escalations(10, agent_id, supervisor.pk, rt)
    add_agent_resolutions(10, agent_id, rt)
    add_reviews(10, agent_id)
    add_follow_ups(10, agent_id)
    incident_id = add_incident(supervisor.pk, rt)
    add_incident_cases(10, incident_id, agent_id, rt)
    sql("ANALYZE")
    lists(10)
    decision(10)

    print("==> 10,000 rows each", file=sys.stderr)
    add_customers_and_cases(10_000 - 10, 1_000)
    add_pending_escalations(10_000 - 10, agent_id, supervisor.pk, rt)
    add_agent_resolutions(10_000 - 10, agent_id, rt)
    add_reviews(10_000 - 10, agent_id)
    add_follow_ups(10_000 - 10, agent_id)
    add_incident_cases(10_000 - 10, incident_id, agent_id, rt)
    cases = list(
        range(
            scalar("SELECT min(id) FROM cases_case"), scalar("SELECT max(id) FROM cases_case") + 1
        )
    )
    sql("ANALYZE")
    lists(10_000)
    decision(10_000)

    print(f"==> {big:,} prior resolutions (bulk insert)", file=sys.stderr)
    start = time.monotonic()
    have = scalar("SELECT count(*) FROM cases_resolution")
    add_history(big - have, seeded.agent_ids, rt)
    print(f"    inserted in {time.monotonic() - start:.1f} s", file=sys.stderr)
    decision(big)
    print(f"==> the hot reads again at 10,000 rows, among {big:,} resolutions", file=sys.stderr)
    sql("VACUUM ANALYZE cases_resolution")  # as autovacuum would by now
    lists(f"10,000 among {big:,} resolutions")
    plans["incident_spend"] = incident_plan(incident_id)

    print("==> the track record among them", file=sys.stderr)
    typical = User.objects.create(username="scale-record-agent", role=Role.AGENT)
    typical_token = AuthToken.objects.create(user=typical, expiry=None)[1]
    add_record_agent(5_000, typical.pk, supervisor.pk, rt)
    total = scalar("SELECT count(*) FROM cases_resolution")
    in_window = scalar(
        "SELECT count(*) FROM cases_resolution WHERE agent_id = %s "
        "AND created_at >= now() - interval '90 days'",
        [agent_id],
    )
    typical_path = f"/api/v1/agents/{typical.pk}/record/"
    record(f"typical agent, 5,000 in a year, `?days=90`, of {total:,}", typical_path, typical_token)
    record(
        f"typical agent, 5,000 in a year, `?days=365`, of {total:,}",
        typical_path + "?days=365",
        typical_token,
    )
    record(f"busiest agent, {in_window:,} in the window, of {total:,}", record_path, agent_token)
    plans |= {
        "typical_90": record_plan(typical.pk, 90),
        "typical_365": record_plan(typical.pk, 365),
        "busiest_90": record_plan(agent_id, 90),
    }
    print(plans["typical_90"], file=sys.stderr)

    lines = [
        "| what | rows | statements | median ms |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        if "history" in row:
            size = f"{row['history']:,} resolutions"
        else:
            size = row["rows"] if isinstance(row["rows"], str) else f"{row['rows']:,}"
        lines.append(f"| {row['what']} | {size} | {row['statements']} | {row['median_ms']} |")
    md = "\n".join(lines) + "\n"
    harness.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (harness.RESULTS_DIR / "scale.json").write_text(
        json.dumps({"machine": harness.machine(), "rows": rows, "record_plans": plans}, indent=2)
    )
    (harness.RESULTS_DIR / "scale.md").write_text(md)
    print(md)
    return 0


def plain_static():
    """Web pages render static URLs by their plain names, as the tests do
    (tests/conftest.py): the manifest storage of DEBUG off needs collectstatic first."""
    from django.conf import settings
    from django.test import override_settings

    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    return override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain})


if __name__ == "__main__":
    with plain_static():
        sys.exit(main())
