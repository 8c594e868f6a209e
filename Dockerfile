# The image of web, worker, beat and the migrate job: the locked dependencies (checked
# against their hashes), the code run from /app (nothing installed from it, so templates,
# static files and migrations are found beside it), run as an unprivileged user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PARTICIPA_INSTANCE_PATH=/var/lib/participa \
    PARTICIPA_BIND=0.0.0.0:8000
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/base.txt
COPY gunicorn.conf.py ./
COPY participa participa
COPY worker worker
COPY migrations migrations
COPY templates templates
COPY static static
# the instance folder (scratch files only: what is shared lives in PostgreSQL, Redis and
# STORAGE_URL) is the only place the app writes, and the user's own
RUN useradd --system --uid 10001 --no-create-home --home-dir /var/lib/participa participa \
    && mkdir -p /var/lib/participa \
    && chown participa:participa /var/lib/participa
USER participa
EXPOSE 8000
CMD ["gunicorn", "participa:create_app()"]
