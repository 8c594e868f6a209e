"""Where the real Pabulib elections of the workplace are (``shared/pabulib``).

``PARTICIPA_PABULIB_DIR`` names the folder; otherwise it is looked for beside the checkout
(``../shared/pabulib``) and then at the workplace's fixed place, so that a clone made
elsewhere (CI clones into a temporary folder) still finds it.
"""

import os
from pathlib import Path

CANDIDATES = [
    Path(__file__).resolve().parents[2].parent / "shared" / "pabulib",
    Path("/work/shared/pabulib"),
]


def pabulib_dir() -> Path:
    """The Pabulib folder: the environment's, else the first candidate that exists."""
    if os.environ.get("PARTICIPA_PABULIB_DIR"):
        return Path(os.environ["PARTICIPA_PABULIB_DIR"])
    return next((path for path in CANDIDATES if path.is_dir()), CANDIDATES[0])
