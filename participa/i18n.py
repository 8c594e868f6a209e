"""The interface's languages and how one is chosen for a request (below the app and the
views that offer them: both import it)."""

from pathlib import Path

from babel import Locale
from flask import has_request_context, request, session
from flask_login import current_user

# Languages with a complete translation. The msgids are Spanish (es-MX needs no catalogue);
# English lives in participa/translations/en (see "Translations" in the README).
LANGUAGES = {"es_MX": "Español", "en": "English"}
DEFAULT_LOCALE = "es_MX"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

# Parsed once: Flask-Babel parses what its selector returns on every request, unless it
# already is a Locale.
_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def select_locale() -> Locale:
    """Language chosen by the visitor (in this session, else on the profile of the account
    signed in), else the best match of the browser, else es-MX."""
    if not has_request_context():
        return _LOCALES[DEFAULT_LOCALE]
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return _LOCALES[chosen]
    if "_user_id" in session:  # signed in (the account is loaded for the page anyway)
        chosen = getattr(current_user, "locale", None)
        if chosen in LANGUAGES:
            return _LOCALES[chosen]
    # "es", "es-ES", "en-US"... match the closest language we have; anything else is es-MX.
    offered = [*LANGUAGES, "es"]
    best = request.accept_languages.best_match(offered)
    return _LOCALES[best if best in LANGUAGES else DEFAULT_LOCALE]
