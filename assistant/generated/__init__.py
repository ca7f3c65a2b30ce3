"""Generated answers, one step a module: ``prompt`` (numbered evidence sentences), ``parse`` (the reply's
sentences and markers), ``verify`` (is each sentence supported by what it cites), ``compose`` (evidence
choice, the checked answer and its fallbacks), ``run`` (the whole path, streaming)."""
