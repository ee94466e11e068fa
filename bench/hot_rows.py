"""Which row serializes first: the decision's SQL core with its locks spread over agents,
on one hot agent's budget windows, on one incident's budget row, and the audit chain's
lock alone, by pgbench on the bench database (bench/README.md, "Scaling").

    .venv/bin/python bench/hot_rows.py [--clients 1,8,32] [--duration 5]

- **spread** and **one hot agent**: bench/run.py's pgbench floor (lock the agent's day and
  month budget windows, debit them, insert the resolution and the audit row; 25% over the
  limit skip the debit), over 200 agents or all from agent 0;
- **one incident**: the same over 200 agents, every request on a case of one active
  incident, as the decision does under an incident: the agent's windows, then the
  incident row ``FOR UPDATE``, the inserts, the conditional ``UPDATE`` of ``spent`` last,
  so the incident row is held from its lock to the commit;
- **audit chain alone**: one audit INSERT per transaction: every audited write of the
  deployment takes the chain's transaction-level advisory lock (audit/migrations/0004)
  from its INSERT to its commit, so this is the ceiling of audited writes per second.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import run

INCIDENT_SCRIPT = """\
-- The decision under an incident: the agent's windows, then the incident's row, held
-- until commit; the spend is the batch's last statement.
\\set i random(0, {n_agents})
\\set a {agent0} + :i
\\set c {case0} + :i * {per_agent} + random(0, {per_agent_1})
BEGIN;
SELECT id, used, cap FROM discretion_budgetwindow
 WHERE user_id = :a AND remedy_type_id = {rt}
   AND ((period = 'day' AND starts_on = '{day}') OR (period = 'month' AND starts_on = '{month}'))
 ORDER BY id FOR UPDATE;
SELECT id, spent, budget FROM discretion_incident WHERE id = {incident} FOR UPDATE;
INSERT INTO cases_resolution (requested_amount, amount, reason, customer_message, status,
  counts_against_budget, decision, created_at, applied_at, budget_day, agent_id, case_id,
  remedy_type_id)
VALUES (1.00, 1.00, 'Benchmark: outage', '', 'applied', false,
  '{{"outcome": "apply", "incident": {incident}}}', now(), now(), NULL, :a, :c, {rt})
RETURNING id \\gset res_
INSERT INTO audit_auditevent (at, action, object_type, object_id, before, after, reason,
  actor_id)
VALUES (now(), 'resolution.decide', 'resolution', :res_id, NULL, '{{"amount": "1.00"}}', '', :a);
UPDATE discretion_incident SET spent = spent + 1.00
 WHERE id = {incident} AND status = 'active' AND spent + 1.00 <= budget;
END;
"""

AUDIT_SCRIPT = """\
-- One audited write: the chain's advisory lock from the INSERT to the commit.
\\set a random({agent0}, {agent_last})
BEGIN;
INSERT INTO audit_auditevent (at, action, object_type, object_id, before, after, reason,
  actor_id)
VALUES (now(), 'bench.audit', 'resolution', 1, NULL, '{{}}', '', :a);
END;
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args(argv)
    clients_list = [int(c) for c in args.clients.split(",")]
    pgbench = harness.need("pgbench", "postgresql-contrib")

    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from discretion.incidents.models import Incident, IncidentRemedy
    from discretion.models import User

    harness.fresh_database()
    harness.flush_redis()
    seeded = harness.seed(agents=200)
    now = timezone.now()
    incident = Incident.objects.create(
        title="Bench outage",
        budget=Decimal("100000000.00"),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        created_by=User.objects.get(pk=seeded.supervisor_ids[0]),
    )
    IncidentRemedy.objects.create(
        incident=incident, remedy_type_id=seeded.remedy_type_id, per_remedy_max=Decimal("50")
    )
    workdir = Path(tempfile.mkdtemp(prefix="hot-", dir=harness.VAR_DIR))
    agents, cases = seeded.agent_ids, seeded.case_ids
    day = timezone.localdate()
    common = {
        "agent0": agents[0],
        "agent_last": agents[-1],
        "n_agents": len(agents) - 1,
        "case0": cases[0],
        "per_agent": len(cases) // len(agents),
        "per_agent_1": len(cases) // len(agents) - 1,
        "rt": seeded.remedy_type_id,
        "day": day.isoformat(),
        "month": day.replace(day=1).isoformat(),
        "incident": incident.pk,
    }
    scripts = {
        "spread": run.write_pgbench_script(workdir, "spread", seeded, hot=False),
        "one hot agent": run.write_pgbench_script(workdir, "hot", seeded, hot=True),
        "one incident": workdir / "incident.sql",
        "audit chain alone": workdir / "audit.sql",
    }
    scripts["one incident"].write_text(INCIDENT_SCRIPT.format(**common))
    scripts["audit chain alone"].write_text(AUDIT_SCRIPT.format(**common))

    rows = []
    for clients in clients_list:
        for name, script in scripts.items():
            result = run.run_pgbench(pgbench, script, clients, args.duration, workdir)
            rows.append({"what": name, "clients": clients, **result})
            print(
                f"  {name:18} c={clients:<3} {result['rps']:>8.1f} tx/s "
                f"p99 {result['p99_ms']:.1f} ms failed {result['errors']}",
                file=sys.stderr,
            )
    incident.refresh_from_db()
    lines = [
        "| rows locked | clients | tx/s | p50 ms | p99 ms | failed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['what']} | {r['clients']} | {r['rps']:.0f} | {r['p50_ms']:.1f} "
            f"| {r['p99_ms']:.1f} | {r['errors']} |"
        )
    md = "\n".join(lines) + f"\n\nIncident spent after the runs: {incident.spent}.\n"
    harness.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (harness.RESULTS_DIR / "hot_rows.json").write_text(
        json.dumps({"machine": harness.machine(), "rows": rows}, indent=2)
    )
    (harness.RESULTS_DIR / "hot_rows.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
