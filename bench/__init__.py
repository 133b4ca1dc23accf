"""The bench: a generator of synthetic communities and the measurements that ``make bench`` runs.

``bench.city`` is importable from app code and later issues (it needs Django set up); the
``measure_*`` modules are scripts run with ``python -m bench.measure_...`` from the repository root.
"""
