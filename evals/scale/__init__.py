"""The scale benchmark (``assistant bench``): ``bench`` runs sizes, ``children`` measures one, ``data`` and
``sources`` fetch and parse the offline corpora, ``report`` writes ``bench.md`` / ``bench.png``."""
