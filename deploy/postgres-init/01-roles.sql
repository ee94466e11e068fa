-- Discretion's two database roles (README, "Database roles"). Run once by the postgres
-- image on a fresh volume (mounted into /docker-entrypoint-initdb.d by docker-compose.yml)
-- as the bootstrap superuser; by hand: psql -v ON_ERROR_STOP=1 -f 01-roles.sql with
-- DB_OWNER_PASSWORD and DB_APP_PASSWORD in the environment.
--
--   discretion_owner  owns the database and every table: manage.py migrate connects as it
--                     (MIGRATE_DATABASE_URL), nothing else does.
--   discretion_app    the web server and the workers (DATABASE_URL): not the owner, not a
--                     superuser; DML on the app's tables, on the audit trail INSERT and
--                     SELECT only (granted by manage.py migrate: audit/grants.py).
\set ON_ERROR_STOP on
\getenv owner_password DB_OWNER_PASSWORD
\getenv app_password DB_APP_PASSWORD

CREATE ROLE discretion_owner LOGIN PASSWORD :'owner_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE discretion_app LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE DATABASE discretion OWNER discretion_owner;

\connect discretion
-- PostgreSQL 15+: only the database owner may create in public; the app may use it.
GRANT USAGE ON SCHEMA public TO discretion_app;
-- Tables the owner creates get the app's DML at once; migrate then narrows the audit
-- table to INSERT and SELECT (and grants again after every migration).
ALTER DEFAULT PRIVILEGES FOR ROLE discretion_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO discretion_app;
ALTER DEFAULT PRIVILEGES FOR ROLE discretion_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO discretion_app;
