"""The people of the demonstration (:mod:`participa.demo`): the accounts one signs in with,
the staff roles among them, and the demo census (fictional documents). Plain data."""

from datetime import date

from participa.accounts.models import Role
from participa.demo_data.texts import DISTRICTS

DEMO_LOGINS = {
    "administrador": ("admin@participa.example", "admin-demo-2026"),
    "residente": ("vecina@participa.example", "vecina-demo-2026"),
    "evaluador": ("evaluacion@participa.example", "evalua-demo-2026"),
    "moderadora": ("moderacion@participa.example", "modera-demo-2026"),
    "casilla": ("casilla@participa.example", "casilla-demo-2026"),
    # a resident who evaluates the proposals of the 2027 process only
    "evaluadora-2027": ("ideas2027@participa.example", "revisa-demo-2027"),
}
STAFF = {"evaluador": Role.EVALUATOR, "moderadora": Role.MODERATOR, "casilla": Role.OFFICER}

# The demo census (fictional documents). The generated voter ``vecinoNNNN`` has the document
# ``SLV00NNNN``: verified, and already voted online in 2026 (the booth refuses them). The
# resident "vecina" is verified with her CURP-like document. The people below have no
# account: an officer can check them in at a booth of the 2026 process, or a new account can
# verify its residency with one of them.
RESIDENT_DOCUMENT = ("HEXL900315MNLRCS09", date(1990, 3, 15))
CENSUS_PEOPLE = [
    (f"SLV9000{k:02d}", date(1985, 1, k), DISTRICTS[(k - 1) % len(DISTRICTS)]) for k in range(1, 11)
]
