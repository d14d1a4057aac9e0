"""Hooks for apps above audits: a visit was approved, a visit was re-scored.

Corrective actions (``actions``) sit above ``audits`` and beside ``disputes``; they connect to these
signals (``ActionsConfig.ready``) so that an approval creates its actions, and a re-score reconciles
them, in the very transaction of the change. Receivers run synchronously: an exception rolls the
change back with them.
"""

from django.dispatch import Signal

#: Sent by ``audits.services.visit_review`` with ``visit`` (locked, just approved), ``actor`` and
#: ``now`` (the approval's instant).
visit_approved = Signal()

#: Sent by whoever re-scores a stored visit (``disputes`` on an upheld decision) with ``visit``
#: (locked, its new score, ``passed`` and ``critical_failures`` saved) and ``actor``.
visit_rescored = Signal()

#: Sent by ``audits.services.visit_review`` with ``visit`` (locked, just rejected), ``actor`` and ``now``.
visit_rejected = Signal()
