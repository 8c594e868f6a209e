"""Follow-up of the winning projects: execution items, statuses, milestones and followers.

Every selected project of a budget's published tally becomes an **execution item** of its
process. Administrators move items through the process's **statuses** (configurable; by
default *en estudio*, *en licitación*, *en ejecución* and *terminado*), record the progress
(0–100 %), the responsible office and the money spent, and add dated **milestones** with a
text and an optional photo. An item may be split into children: a parent's progress and
money spent are then computed from its children
(:func:`participa.accountability.rollup.effective_progress`,
:func:`participa.accountability.rollup.effective_spent`) and never typed in by hand.

Residents follow items and are told when the status or the progress changes. Services
(``statuses``, ``items``, ``rollup``, ``milestones``, ``follows``, ``bulk``) check the rules
and flush; the caller commits once and then calls
:func:`participa.notifications.services.dispatch`.
"""
