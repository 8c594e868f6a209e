"""The texts of the demonstration (:mod:`participa.demo`): the fictional municipality and
its districts, the residents' ideas that become proposals and projects, the evaluators'
rejection reasons, the offices that carry out the works and the residents' comments.

Plain Spanish data, no code: the demo picks from these lists with its seeded random
generator, so their order matters for a reproducible load.
"""

MUNICIPALITY = "Santa Lucía del Valle"

DISTRICTS = ["Centro", "Valle Oriente", "Lomas del Río", "Los Pinos", "San Isidro"]

# (title, category, cost in pesos, body)
IDEAS = [
    (
        "Rehabilitar el parque lineal del arroyo",
        "espacio-publico",
        2_400_000,
        "Limpiar el cauce, poner andadores, luminarias y bancas a lo largo del arroyo para que "
        "las familias puedan caminar seguras por las tardes.",
    ),
    (
        "Ciclovía protegida en la avenida Juárez",
        "movilidad",
        3_100_000,
        "Construir 2.5 km de ciclovía con separadores físicos que conecte el centro con las "
        "escuelas de Valle Oriente.",
    ),
    (
        "Luminarias LED en calles del sector Los Pinos",
        "seguridad",
        1_200_000,
        "Sustituir 300 luminarias de vapor de sodio por LED en las calles con más reportes de "
        "inseguridad nocturna.",
    ),
    (
        "Huertos comunitarios en escuelas primarias",
        "medio-ambiente",
        650_000,
        "Instalar huertos con riego por goteo en cinco primarias públicas y capacitar a docentes "
        "y madres y padres de familia.",
    ),
    (
        "Cancha de usos múltiples en San Isidro",
        "deporte",
        1_800_000,
        "Techar y rehabilitar la cancha de la plaza principal para fútbol rápido, básquetbol y "
        "voleibol, con gradas y bebederos.",
    ),
    (
        "Biblioteca móvil para las colonias de la periferia",
        "cultura",
        900_000,
        "Una camioneta equipada con libros, tabletas y talleres de lectura que recorra las "
        "colonias más alejadas cada semana.",
    ),
    (
        "Cruces peatonales seguros frente a escuelas",
        "movilidad",
        780_000,
        "Pintar cruces elevados, poner semáforos peatonales y señalización en diez escuelas.",
    ),
    (
        "Reforestación del cerro de La Loma",
        "medio-ambiente",
        1_100_000,
        "Plantar 5,000 árboles nativos con sistema de riego y brigadas vecinales de cuidado.",
    ),
    (
        "Centro comunitario para personas mayores",
        "desarrollo-social",
        2_900_000,
        "Adecuar la antigua casa ejidal como centro de día con comedor, talleres y atención "
        "médica básica para personas mayores.",
    ),
    (
        "Rampas y banquetas accesibles en el Centro",
        "espacio-publico",
        1_500_000,
        "Reconstruir banquetas y poner rampas para sillas de ruedas y carriolas en las 20 "
        "cuadras del primer cuadro.",
    ),
    (
        "Taller de música para jóvenes",
        "cultura",
        420_000,
        "Instrumentos y maestros para una orquesta juvenil gratuita en la casa de la cultura.",
    ),
    (
        "Módulo de atención médica en Lomas del Río",
        "salud",
        2_200_000,
        "Un consultorio con enfermería y médico general de lunes a sábado para las colonias "
        "sin centro de salud cercano.",
    ),
    (
        "Cámaras y botones de alerta en paraderos",
        "seguridad",
        1_350_000,
        "Instalar cámaras conectadas al C4 y botones de alerta en los 25 paraderos más usados.",
    ),
    (
        "Gimnasio al aire libre en el parque Los Pinos",
        "deporte",
        380_000,
        "Aparatos de ejercicio resistentes a la intemperie y señalética con rutinas.",
    ),
    (
        "Captación de agua de lluvia en escuelas",
        "medio-ambiente",
        960_000,
        "Sistemas de captación pluvial y cisternas en ocho escuelas para riego y sanitarios.",
    ),
    (
        "Mercado de productores locales los domingos",
        "desarrollo-social",
        300_000,
        "Toldos, mesas y baños portátiles para un mercado semanal de productores del municipio.",
    ),
    (
        "Pavimentar la calle Morelos en San Isidro",
        "movilidad",
        2_700_000,
        "Pavimento hidráulico con drenaje pluvial en 600 metros de la calle Morelos.",
    ),
    (
        "Talleres de prevención de adicciones",
        "salud",
        350_000,
        "Talleres con especialistas en secundarias y preparatorias durante todo el ciclo escolar.",
    ),
    (
        "Murales comunitarios en bardas del Centro",
        "cultura",
        250_000,
        "Convocatoria a artistas locales para pintar diez murales con la historia del municipio.",
    ),
    (
        "Bebederos de agua potable en plazas",
        "salud",
        480_000,
        "Instalar 15 bebederos con filtro en plazas y unidades deportivas.",
    ),
    (
        "Estacionamiento para bicicletas en el centro",
        "movilidad",
        150_000,
        "Biciestacionamientos seguros frente al mercado, la presidencia y la biblioteca.",
    ),
    (
        "Alarmas vecinales en Valle Oriente",
        "seguridad",
        520_000,
        "Sistema de alarma vecinal conectado por calle, con capacitación a comités.",
    ),
    (
        "Clases de natación gratuitas",
        "deporte",
        600_000,
        "Convenio con la alberca municipal para clases gratuitas a niñas y niños.",
    ),
    (
        "Sendero interpretativo en el ojo de agua",
        "medio-ambiente",
        720_000,
        "Un sendero con letreros sobre la flora y fauna del manantial y un mirador.",
    ),
    (
        "Guardería comunitaria en Los Pinos",
        "desarrollo-social",
        1_900_000,
        "Una estancia infantil con horario extendido para madres y padres trabajadores.",
    ),
    (
        "Internet gratuito en plazas públicas",
        "educacion",
        830_000,
        "Puntos de acceso Wi-Fi en diez plazas y bibliotecas del municipio.",
    ),
    (
        "Aulas de cómputo en la secundaria técnica",
        "educacion",
        1_050_000,
        "Equipar dos aulas con 40 computadoras y conexión a internet.",
    ),
    (
        "Techado del patio de la primaria Hidalgo",
        "educacion",
        1_250_000,
        "Una techumbre para que los honores y el recreo no sean bajo el sol.",
    ),
    (
        "Esterilización gratuita de mascotas",
        "salud",
        280_000,
        "Jornadas mensuales de esterilización y vacunación de perros y gatos.",
    ),
    (
        "Señalética turística del pueblo",
        "cultura",
        340_000,
        "Letreros bilingües con la historia de los edificios y rutas a pie.",
    ),
]

REJECTION_REASONS = [
    "La calle es de jurisdicción estatal; canalizamos la propuesta a la Secretaría de "
    "Infraestructura del estado.",
    "El costo estimado por el área técnica supera el presupuesto total del proceso.",
    "Ya existe un proyecto en ejecución con el mismo objetivo en esa zona.",
]

OFFICES = ["Secretaría de Obras Públicas", "Dirección de Medio Ambiente", "Secretaría de Cultura"]

COMMENTS = [
    "¡Me encanta! En mi calle hace mucha falta.",
    "¿Alguien sabe si el municipio ya tiene un proyecto parecido?",
    "Estoy de acuerdo, pero habría que pensar en el mantenimiento.",
    "Apoyo la idea; propongo que se haga primero cerca de las escuelas.",
]
