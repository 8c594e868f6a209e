FROM python:3.11-slim
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
# the locked versions, checked against their hashes; then the app itself, adding nothing
RUN pip install --no-cache-dir --require-hashes -r requirements/base.txt
COPY pyproject.toml README.md gunicorn.conf.py ./
COPY participa participa
COPY worker worker
COPY migrations migrations
COPY templates templates
COPY static static
RUN pip install --no-cache-dir --no-deps -e .
ENV PARTICIPA_INSTANCE_PATH=/tmp/participa
EXPOSE 8000
