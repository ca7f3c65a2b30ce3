"""Evaluation and benchmark tooling: ``assistant eval`` and ``assistant bench``.

Not part of the runtime: nothing in the core imports this package.  ``metrics``
holds the pure metric functions, ``cases`` reads gold cases, ``judges`` the
pluggable citation-support judge, ``systems`` the project and every baseline,
``runner`` runs them and writes the reports that ``report`` (Markdown) and
``plots`` (PNG) render; ``latency`` times the default corpus; ``scale/`` is the
1k-100k chunk benchmark and its offline data.
"""
