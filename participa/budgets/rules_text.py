"""The counting rules and ballot types in plain words (Spanish source strings)."""

from flask_babel import lazy_gettext as _l

RULE_LABELS = {
    "greedy": _l("Más votados, saltando lo que ya no cabe (greedy)"),
    "greedy-no-skip": _l("Más votados, deteniéndose en el primero que no cabe"),
    "greedy-threshold": _l("Más votados con un mínimo de votos (greedy con umbral)"),
    "equalshares": _l("Método de Partes Iguales (MES)"),
    "equalshares/add1": _l("Método de Partes Iguales con compleción Add1"),
    "equalshares/add1-comparison": _l(
        "Método de Partes Iguales con Add1, comparado con el de más votados"
    ),
    "equalshares/add1-utilitarian": _l(
        "Método de Partes Iguales con Add1 y lo que sobre por votos"
    ),
    "equalshares-cardinality": _l("Partes Iguales, utilidad por proyecto (cardinalidad)"),
    "equalshares-cardinality/add1": _l("Partes Iguales por cardinalidad con Add1"),
    "equalshares-cardinality/add1-utilitarian": _l(
        "Partes Iguales por cardinalidad con Add1 y lo que sobre por votos"
    ),
}

RULE_EXPLANATIONS = {
    "greedy": _l(
        "Se ordenan los proyectos por votos y se financian en ese orden; si uno ya no cabe en "
        "lo que queda, se salta y se sigue con el siguiente."
    ),
    "greedy-no-skip": _l(
        "Se ordenan los proyectos por votos y se financian en ese orden hasta el primero que "
        "ya no cabe; ahí se detiene el reparto."
    ),
    "greedy-threshold": _l(
        "Solo participan los proyectos que alcanzan el mínimo de votos; entre ellos se "
        "financian los más votados, saltando los que ya no caben."
    ),
    "equalshares": _l(
        "El presupuesto se reparte en partes iguales entre quienes votaron. Cada proyecto se "
        "paga con el dinero de quienes lo apoyan; en cada paso se elige el que cuesta menos "
        "por persona en relación con su costo, y sus simpatizantes pagan su parte."
    ),
}
for _name in RULE_LABELS:
    if _name.startswith("equalshares") and _name not in RULE_EXPLANATIONS:
        RULE_EXPLANATIONS[_name] = RULE_EXPLANATIONS["equalshares"]

BALLOT_TYPE_LABELS = {
    "knapsack": _l("Costo: la suma de lo elegido cabe en el presupuesto"),
    "approval": _l("Aprobación: elegir un número de proyectos"),
    "choose-1": _l("Elegir un solo proyecto"),
    "cumulative": _l("Puntos: repartir puntos entre proyectos"),
    "ordinal": _l("Orden: ordenar proyectos de preferencia"),
}
