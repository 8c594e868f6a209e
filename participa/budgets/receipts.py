"""Ballot receipts: the code a voter is given when a ballot is confirmed, and its hash,
which is all that is stored and published of it (a voter checks their ballot with the
code; the code shows nothing of what they chose)."""

from __future__ import annotations

import hashlib
import secrets

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to copy by hand


def new_receipt_code() -> str:
    """A random receipt code such as ``7KQ4-MZ2P-X9CA`` (60 bits): 12 random bytes read at
    once, each mapped to one of the 32 characters (256 is a multiple of 32: uniform)."""
    chars = "".join(RECEIPT_ALPHABET[byte % 32] for byte in secrets.token_bytes(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def receipt_hash(code: str) -> str:
    """What is stored and published of a receipt code: its SHA-256, hex."""
    normalised = code.strip().upper().replace(" ", "").replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()
