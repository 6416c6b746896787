"""Catalogue scale: many films from a manifest (``manifest``), checked before any work
(``validate``), planned into one job graph of stages (``plan``, ``schedule``) and run
stage-major by an executor on this machine (``local``) or a Ray cluster
(``ray_executor``), resumable after any crash, its state in ``DIR/batch.json`` (``state``).
"""
