"""Celery entry point: ``celery -A worker.app worker`` and ``celery -A worker.app beat``."""

from participa import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
