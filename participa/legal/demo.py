"""What the demonstration data holds of the legal pages: its accounts accepted the privacy
notice and terms in force (version 1, the default texts), and the demo resident has a
rectification request waiting for an answer (``participa.demo.load`` calls this)."""

from __future__ import annotations

from collections.abc import Iterable

from participa.accounts.models import User
from participa.legal import documents
from participa.legal import requests as data_requests
from participa.legal.models import RequestKind


def load_legal_demo(accounts: Iterable[User], resident: User) -> None:
    for account in accounts:
        documents.accept(account.id)
    data_requests.create(
        resident,
        kind=RequestKind.RECTIFY_ACCOUNT,
        processing=None,
        details="Mi nombre completo es Lucía Hernández Garza: falta mi segundo apellido.",
    )
