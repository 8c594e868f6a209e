"""The texts of version 1 of each legal document, in force until an administrator
publishes another: the elements the LGPDPPSO asks of a privacy notice (who is responsible,
which data, for what, transfers, how to exercise the ARCO rights, where the complete
notice is). Plain text: ``#`` and ``##`` start headings, ``-`` list items, a blank line
separates paragraphs (:mod:`participa.legal.text`)."""

from __future__ import annotations

from participa.legal.models import DocumentKind

PRIVACY = """\
# Aviso de privacidad integral

## Responsable

El Ayuntamiento del municipio que opera esta plataforma Participa (en adelante, «el \
Municipio») es responsable del tratamiento de los datos personales que se recaban en ella, \
conforme a la Ley General de Protección de Datos Personales en Posesión de Sujetos \
Obligados (LGPDPPSO) y a la normativa local aplicable.

## Datos personales que recabamos

- Al crear tu cuenta: tu nombre, tu correo electrónico, tu contraseña (guardada solo como \
una huella que no se puede revertir) y, si quieres, tu colonia o sector.
- Al verificar tu residencia: tu CURP o clave de elector y tu fecha de nacimiento. No los \
guardamos: solo una huella cifrada (HMAC-SHA256) que no se puede revertir, para comprobar \
que apareces en el padrón y que un documento sirve para una sola cuenta.
- Al participar: tus propuestas, comentarios, apoyos y tus boletas (los proyectos que \
eliges).

No recabamos datos personales sensibles.

## Finalidades

- Crear y administrar tu cuenta y enviarte los avisos que pidas.
- Comprobar que vives en el municipio cuando un proceso lo pide.
- Registrar tus propuestas, apoyos, comentarios y votos y contarlos con reglas públicas.
- Publicar resultados y datos abiertos sin datos personales: las boletas se publican sin \
nada que las relacione con una persona.
- Con tu consentimiento, que puedes retirar, mostrar tu nombre junto a tus propuestas y \
comentarios, y elaborar estadísticas de participación.

## Transferencias

No transferimos tus datos personales a terceros, salvo las que exija una autoridad \
competente en los casos que prevé el artículo 70 de la LGPDPPSO.

## Derechos ARCO

Puedes ejercer tus derechos de acceso, rectificación, cancelación y oposición desde tu \
cuenta en Participa:

- Acceso: descarga tus datos desde tu cuenta.
- Rectificación y oposición: presenta una solicitud en «Tu cuenta → Solicitudes sobre tus \
datos». La respondemos en un plazo máximo de 20 días hábiles.
- Cancelación: elimina tu cuenta desde tu cuenta.

También puedes acudir a la Unidad de Transparencia del Municipio.

## Cambios a este aviso

Publicamos cada cambio como una nueva versión en esta misma página, con su número y su \
fecha; las versiones anteriores siguen disponibles. Si cambia, te pediremos aceptarlo la \
próxima vez que entres.
"""

PRIVACY_SHORT = """\
# Aviso de privacidad simplificado

El Municipio, responsable de Participa, usa tu nombre, tu correo y tu colonia para \
administrar tu cuenta y registrar tu participación; tu CURP o clave de elector y tu fecha \
de nacimiento solo para comprobar tu residencia (guardamos una huella cifrada, no el dato). \
Tus votos se cuentan y se publican sin nada que te identifique. No transferimos tus datos. \
Puedes ejercer tus derechos ARCO desde tu cuenta. Consulta el aviso de privacidad integral.
"""

TERMS = """\
# Términos de uso

## Objeto

Participa es la plataforma del Municipio para presentar propuestas, apoyarlas, comentarlas \
y votar proyectos del presupuesto participativo.

## Tu cuenta

- Una persona, una cuenta. Los datos que das deben ser verdaderos.
- Cuida tu contraseña: lo que se haga con tu cuenta se entiende hecho por ti.

## Lo que publicas

- Tus propuestas y comentarios son públicos. No publiques datos personales de otras \
personas ni contenido ilegal, ofensivo o publicitario.
- La moderación puede ocultar lo que incumpla estos términos, y lo dice.

## Votaciones

Las reglas de cada votación y del conteo son públicas en la página de cada proceso. Los \
resultados se publican como datos abiertos que cualquiera puede recontar.

## Cambios

Publicamos cada cambio a estos términos como una nueva versión; te pediremos aceptarla la \
próxima vez que entres.
"""

DEFAULTS: dict[str, str] = {
    DocumentKind.PRIVACY: PRIVACY,
    DocumentKind.PRIVACY_SHORT: PRIVACY_SHORT,
    DocumentKind.TERMS: TERMS,
}

PRIVACY_SHORT_EN = """\
# Simplified privacy notice

The Municipality, responsible for Participa, uses your name, your e-mail address and your \
neighbourhood to run your account and record your participation; your CURP or voter key \
and your birth date only to check your residency (we keep an encrypted fingerprint, not \
the data itself). Your votes are counted and published with nothing that identifies you. \
We do not transfer your data. You can exercise your ARCO rights from your account. Read \
the complete privacy notice.
"""

#: The default texts offered in English too (until an administrator publishes a version,
#: which is shown as written).
DEFAULTS_EN: dict[str, str] = {DocumentKind.PRIVACY_SHORT: PRIVACY_SHORT_EN}
