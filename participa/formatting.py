"""Locale-aware formatting used by templates (dates in the municipality's time zone)."""

from datetime import datetime as dt
from fractions import Fraction

from flask_babel import (
    force_locale,
    format_currency,
    format_date,
    format_decimal,
    format_time,
    get_locale,
)
from flask_babel import format_percent as babel_format_percent


def english() -> bool:
    """Whether the interface is in English now (else Spanish, the source language)."""
    locale = get_locale()
    return locale is not None and locale.language == "en"


def platform_language():
    """A context in the platform's language (es-MX) for texts written for someone other
    than the visitor, such as notifications: an English-speaking moderator must not send
    English e-mails to Spanish speakers (the account mails use :func:`recipient_language`,
    the language the recipient chose)."""
    return force_locale("es_MX")


def recipient_language(locale: str | None):
    """A context in the language a person chose on their profile (``User.locale``), else
    the platform's: for the account mails written to that person."""
    return force_locale(locale or "es_MX")


def localized(spanish: str, english_text: str | None) -> str:
    """Pick between the two texts that bilingual data carries (the open data dictionary),
    falling back to Spanish when there is no English."""
    return english_text if english() and english_text else spanish


def money(amount: int | float | None, currency: str = "MXN") -> str:
    """Whole-unit amount as currency, e.g. ``$1,250,000`` in es-MX."""
    if amount is None:
        return "—"
    return format_currency(amount, currency, format="¤#,##0", currency_digits=False)


def number(value: int | float | None) -> str:
    """A number with the locale's grouping."""
    return "—" if value is None else format_decimal(value)


def percent(value: float | None) -> str:
    """A ratio (0.25) as a percentage (25 %)."""
    return "—" if value is None else babel_format_percent(value, format="#,##0.#%")


def date(value: dt | None) -> str:
    """A UTC datetime as a medium date in the municipality's time zone."""
    return "—" if value is None else format_date(value, format="medium")


def datetime(value: dt | str | None) -> str:
    """A UTC datetime (or its ISO 8601 text, as the action log keeps it) as date and time
    (no seconds) in the municipality's time zone."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = dt.fromisoformat(value)
    return f"{format_date(value, format='medium')}, {format_time(value, format='short')}"


def fraction_money(value: str | None, currency: str = "MXN") -> str:
    """An exact fraction stored as text ("1234/7") as money with cents."""
    if not value:
        return "—"
    return format_currency(float(Fraction(value)), currency)


def fraction_number(value: str | None) -> str:
    """An exact fraction stored as text as a number with two decimals."""
    if not value:
        return "—"
    return format_decimal(round(float(Fraction(value)), 2))
