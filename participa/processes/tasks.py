"""The scheduler's work on processes: phases open and close by their dates."""

from celery import shared_task

from participa.processes import scheduler


@shared_task
def advance_phases() -> dict:
    """Record the phases whose dates have come (idempotent; run by beat every minute)."""
    return scheduler.advance_phases()
