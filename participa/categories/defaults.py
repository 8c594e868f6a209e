"""The categories a new installation starts with (the fixed list of earlier versions; the
migration that created the table inserts the same ones, with the same slugs)."""

DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (  # (slug, Spanish, English)
    ("espacio-publico", "Espacio público", "Public space"),
    ("movilidad", "Movilidad", "Mobility"),
    ("medio-ambiente", "Medio ambiente", "Environment"),
    ("seguridad", "Seguridad", "Safety"),
    ("cultura", "Cultura", "Culture"),
    ("deporte", "Deporte", "Sports"),
    ("educacion", "Educación", "Education"),
    ("salud", "Salud", "Health"),
    ("desarrollo-social", "Desarrollo social", "Social development"),
)


def default_rows() -> list[dict]:
    """The rows to insert into ``categories``, in their order."""
    return [
        {"slug": slug, "name": name, "name_en": name_en, "description": "", "position": i}
        for i, (slug, name, name_en) in enumerate(DEFAULT_CATEGORIES, start=1)
    ]
