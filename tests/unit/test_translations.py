"""The English catalogue is complete, consistent with the code and compiled.

The msgids are the Spanish interface texts. These tests extract them from the code again
(as ``make translations`` does, in process), so a new string wrapped in ``_()`` without an
English translation fails the suite; so does a stale ``.mo``.
"""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "participa" / "translations" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def _read_mapping():
    from babel.messages import frontend

    parse = getattr(frontend, "parse_mapping_cfg", None)
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        if parse is not None:
            return parse(handle)
        return frontend.parse_mapping(handle)  # Babel < 2.14


def _keywords() -> dict:
    """The extraction keywords of the Makefile (the same as `make translations`)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = re.search(r"^BABEL_KEYWORDS\s*:=\s*(.+)$", makefile, re.MULTILINE)
    assert line, "the Makefile declares BABEL_KEYWORDS"
    specs = re.findall(r"-k\s+(\S+)", line.group(1))
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(specs))
    return keywords


@pytest.fixture(scope="module")
def catalogue():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str, str], tuple[str, ...]]:
    """(context, msgid) -> every form of the message, as found in the code now."""
    method_map, options_map = _read_mapping()
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=_keywords(), strip_comment_tags=True
    ):
        forms = (message,) if isinstance(message, str) else tuple(message)
        if forms[0]:
            found[(context or "", forms[0])] = forms
    return found


def _messages(catalogue):
    return [m for m in catalogue if m.id]


def _forms(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _key(message) -> tuple[str, str]:
    return (message.context or "", _forms(message.id)[0])


def test_extraction_sees_python_and_templates(extracted):
    assert ("", "Propuestas") in extracted  # templates/
    assert ("", "Inicia sesión para continuar.") in extracted  # participa/ (lazy_gettext)
    assert ("fecha", "Inicio") in extracted  # pgettext: the start of a phase, not "home"
    plural = extracted[("", "%(num)s propuesta")]
    assert plural == ("%(num)s propuesta", "%(num)s propuestas")
    assert len(extracted) > 1000


def test_every_interface_string_of_the_code_is_in_the_catalogue(catalogue, extracted):
    known = {_key(m): _forms(m.id) for m in _messages(catalogue)}
    missing = sorted(set(extracted) - set(known))
    assert not missing, f"run `make translations` and translate: {missing[:20]}"
    plural_changed = sorted(k for k in extracted if len(extracted[k]) != len(known[k]))
    assert not plural_changed, f"singular/plural changed, run `make translations`: {plural_changed}"


def test_the_catalogue_has_no_stale_entries(catalogue, extracted):
    stale = sorted(_key(m) for m in _messages(catalogue) if _key(m) not in extracted)
    assert not stale, f"no longer in the code, run `make translations`: {stale[:20]}"


def test_everything_is_translated_and_nothing_is_fuzzy(catalogue):
    untranslated = [m.id for m in _messages(catalogue) if not all(_forms(m.string))]
    fuzzy = [m.id for m in _messages(catalogue) if m.fuzzy]
    assert not untranslated, untranslated[:20]
    assert not fuzzy, fuzzy[:20]
    assert catalogue.num_plurals == 2
    for message in _messages(catalogue):
        if message.pluralizable:
            assert len(_forms(message.string)) == 2, message.id


def _stray_percents(text: str) -> int:
    return PLACEHOLDER.sub("", text).count("%")


def test_placeholders_are_kept(catalogue):
    wrong = []
    for message in _messages(catalogue):
        ids = _forms(message.id)
        for i, translated in enumerate(_forms(message.string)):
            source = ids[min(i, len(ids) - 1)]
            same = sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translated))
            if not same or _stray_percents(source) != _stray_percents(translated):
                wrong.append((source, translated))
    assert not wrong, wrong[:10]
    assert not list(catalogue.check())  # Babel's own python-format and plural checks


def test_template_strings_survive_jinja_formatting(catalogue):
    """Jinja's gettext always applies ``%`` to the text, so a stray ``%`` would crash."""
    for message in _messages(catalogue):
        if not any(path.startswith("templates/") for path, _line in message.locations):
            continue
        for translated in _forms(message.string):
            names = re.findall(r"%\((\w+)\)", translated)
            translated % dict.fromkeys(names, 1)  # raises on a malformed placeholder


def test_compiled_catalogue_is_up_to_date(catalogue):
    """The committed .mo is what `pybabel compile` makes of the committed .po."""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    fresh = read_mo(buffer)
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        committed = read_mo(handle)
    as_dict = {_key(m): _forms(m.string) for m in fresh if m.id}
    committed_dict = {_key(m): _forms(m.string) for m in committed if m.id}
    assert committed_dict == as_dict, "run `make translations` (or pybabel compile)"


def test_some_translations_read_well(catalogue):
    """Spot checks that the catalogue is English and keeps the product's vocabulary."""
    assert catalogue.get("Propuestas").string == "Proposals"
    assert catalogue.get("Presupuesto participativo").string == "Participatory budgeting"
    assert catalogue.get("Confirmar mi voto").string == "Confirm my vote"
    assert catalogue.get("%(num)s propuesta").string == ("%(num)s proposal", "%(num)s proposals")
    assert catalogue.get("Inicio").string == "Home"
    assert catalogue.get("Inicio", context="fecha").string == "Start"
