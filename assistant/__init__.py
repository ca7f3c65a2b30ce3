"""A retrieval assistant that answers only from its sources, citing exact spans."""

from .config import apply_offline_env

apply_offline_env()

from .api import Assistant, ask, document_text  # noqa: E402
from .retrieval import Filters  # noqa: E402
from .types import Answer, Citation, Document  # noqa: E402

__all__ = ["Answer", "Assistant", "Citation", "Document", "Filters", "ask", "document_text"]
