"""A small census for the tests: two people of one district, Centro."""

from participa.census import importing
from participa.extensions import db
from participa.processes.models import District

ANA = "GOMA850101MNLRRN09"
LUIS = "PELU900215HNLRPS03"


def setup_census() -> None:
    """Centro, and Ana (born 1985-01-01) and Luis (1990-02-15) in its census."""
    db.session.add(District(name="Centro"))
    db.session.flush()
    importing.import_census(f"{ANA},1985-01-01,Centro\n{LUIS},1990-02-15,Centro\n")
