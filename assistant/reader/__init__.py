"""The reader: reads a question and a candidate sentence together and says how likely the candidate answers it.

``features`` pools MiniLM token-to-token cosines (KNRM kernels, soft match) for
a question against candidate sentences, their neighbours and titles;
``model`` holds the trained head and its idf table and loads them from
``assistant/weights/reader.npz``.  Pure numpy: the token vectors come from the
embedder (``Embedder.embed_with_tokens``).

    from assistant.reader import Reader
    reader = Reader.load()
    vecs, toks = embedder.embed_with_tokens([question, *candidates])
    q = toks[0]
    probs = reader.score(q.vectors, reader.token_weights(q.tokens), [t.vectors for t in toks[1:]], vecs[1:] @ vecs[0])
"""

from .features import NAMES, Units
from .model import MANIFEST, WEIGHTS, Head, Reader, feature_rows

__all__ = ["MANIFEST", "NAMES", "WEIGHTS", "Head", "Reader", "Units", "feature_rows"]
