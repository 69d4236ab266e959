"""AidESS as Rasa custom actions: ``python -m rasa_sdk --actions actions``.

Thin adapters: the questions, their order, the French parsing and the eligibility all come
from ``bot`` (the same code as the other channels). ``aidess rasa export`` writes the matching
``domain.yml``.
"""
