"""Helpers shared by the forms of every blueprint."""


def clean_text(value: str | None) -> str:
    """Text fields arrive stripped, and as "" rather than None when left out."""
    return (value or "").strip()
