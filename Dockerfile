FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md gunicorn.conf.py ./
COPY participa participa
COPY worker worker
COPY migrations migrations
COPY templates templates
COPY static static
RUN pip install --no-cache-dir -e .
ENV PARTICIPA_INSTANCE_PATH=/tmp/participa
EXPOSE 8000
