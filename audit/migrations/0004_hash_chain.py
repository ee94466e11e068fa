"""A hash chain over the audit trail.

Every row's ``hash`` is ``sha256(previous row's hash || the row's canonical text)``, hex,
in id order (the first row chains to the empty string). A BEFORE INSERT trigger computes
it, so no INSERT (the app's plain SQL, the ORM, psql) can choose its own hash: it takes
a transaction-level advisory lock (docs/concurrency.md, "The audit chain"), draws the
row's id only then, so that id order is chain order, and reads the newest row's hash.
``audit_event_hash()`` is the one definition of a link; ``manage.py audit_verify``
recomputes every link with it. Existing rows are back-filled in id order.
"""

from django.db import migrations, models

# docs/concurrency.md: the one advisory lock key of the audit chain.
CHAIN_LOCK = 7_746_001

FORWARD = f"""
CREATE OR REPLACE FUNCTION audit_event_hash(prev text, e audit_auditevent) RETURNS text
LANGUAGE sql STABLE AS $fn$
    SELECT encode(sha256(convert_to(coalesce(prev, '') || jsonb_build_array(
        to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor_id, e.action, e.object_type, e.object_id, e.before, e.after, e.reason
    )::text, 'UTF8')), 'hex')
$fn$;

CREATE OR REPLACE FUNCTION audit_event_chain() RETURNS trigger
LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
    -- Held until commit: the next append waits, then (a fresh snapshot per statement
    -- of a VOLATILE function) sees this row.
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK});
    NEW.id := nextval(pg_get_serial_sequence('audit_auditevent', 'id'));
    NEW.hash := audit_event_hash(
        (SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1), NEW
    );
    RETURN NEW;
END;
$fn$;

CREATE TRIGGER audit_event_chain BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_chain();

ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update;
DO $fn$
DECLARE
    r audit_auditevent;
    prev text := '';
BEGIN
    FOR r IN SELECT * FROM audit_auditevent ORDER BY id LOOP
        prev := audit_event_hash(prev, r);
        UPDATE audit_auditevent SET hash = prev WHERE id = r.id;
    END LOOP;
END;
$fn$;
ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_event_chain ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_chain();
DROP FUNCTION IF EXISTS audit_event_hash(text, audit_auditevent);
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only_triggers")]
    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
