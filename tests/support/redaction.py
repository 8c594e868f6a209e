"""A proposal hidden after two publications of open data, and how to find it in every published
file (shared with the worker's redaction test)."""

from participa.extensions import db
from participa.opendata import services
from tests import factories as f
from tests.support.opendata import proposal, tallied_process

TITLE = "Parque Secreto Zeta"


BODY = "Texto confidencial Omega con datos de una vecina"


def published_twice():
    """A process with the proposal in two published versions, one of its projects born
    from it."""
    process, budget, _voters = tallied_process()
    secret = proposal(process, f.user(), TITLE)
    secret.body = BODY
    project = f.projects(budget)[0]
    project.proposal_id = secret.id
    db.session.commit()
    first = services.publish(process, "tally")
    db.session.commit()
    proposal(process, f.user(), "Bancas en la plaza")
    db.session.commit()
    second = services.publish(process, "daily")
    db.session.commit()
    return process, secret, project, [first, second]


def fetch_every_file(client, process, publication) -> dict[str, bytes]:
    base = f"/datos/{process.slug}/v{publication.version}"
    out = {}
    for entry in publication.files:
        response = client.get(f"{base}/{entry['name']}")
        assert response.status_code == 200, entry["name"]
        out[entry["name"]] = response.data
    return out


def leaks(files: dict[str, bytes]) -> list[str]:
    return [name for name, data in files.items() if TITLE.encode() in data or BODY.encode() in data]
