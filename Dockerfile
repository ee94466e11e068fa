# The production image: gunicorn (web), Celery worker and beat all run from it.
# See docker-compose.yml for how the services are wired.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The app runs from its source tree (templates/ and static/ live next to the code).
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings \
    DISCRETION_VAR_DIR=/app/var

WORKDIR /app

# Dependencies first, from the lock alone (exact versions and hashes: what CI tested), so
# code edits do not reinstall them. `./dev lock` recompiles it from pyproject.toml.
COPY requirements/base.lock requirements/base.lock
RUN pip install -r requirements/base.lock

COPY . .

# Static files are collected at build time and served by WhiteNoise (hashed names). The
# key and database URL below exist only for this build step (nothing connects to it); the
# containers need a real SECRET_KEY and DATABASE_URL.
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789 \
        DATABASE_URL=postgres://build@localhost/build-only \
        python manage.py collectstatic --noinput -v0 \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin discretion \
    && mkdir -p /app/var \
    && chown -R discretion:discretion /app/var

USER discretion
EXPOSE 8000

CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--threads", "1", \
     "--timeout", "30", "--graceful-timeout", "30", "--access-logfile", "-"]
