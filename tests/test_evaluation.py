"""Evaluation metrics (pure, table-driven), the full eval with baselines, and the quality gate."""

from __future__ import annotations

import dataclasses
import json
import struct
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.types import Citation, Document
from evals.cases import DEFAULT_CASES, load_cases, sentence_passage
from evals.judges import LexicalJudge
from evals.metrics import (
    GoldSpan,
    abstention_scores,
    alce_scores,
    citation_validity,
    conflict_coverage,
    evidence_hit,
    evidence_overlap,
    evidence_recall,
    keyword_hit,
    mean,
    rank_metrics,
)
from evals.report import acceptance_note, citation_chars, compare, findings, format_table
from evals.runner import REQUIRED_KEYS, eval_settings, run_cases, run_eval, summarize
from evals.systems import BASELINES

TEXT = "Hamas released 105 hostages. Israel released 240 prisoners."
DOCS = {"a.txt": Document("a.txt", TEXT)}
FIRST, SECOND = GoldSpan("a.txt", 0, 28), GoldSpan("a.txt", 29, 59)  # the two sentences


def cit(start, end, source="a.txt", quote=None):
    return Citation(1, source, start, end, DOCS[source].text[start:end] if quote is None else quote)


@pytest.mark.unit
@pytest.mark.parametrize(
    "citations, expected",
    [
        pytest.param([cit(0, 28)], 1.0, id="exact"),
        pytest.param([cit(0, 28), cit(0, 28, quote="Hamas released 105 hostages!")], 0.5, id="one-wrong-quote"),
        pytest.param([cit(0, 999, quote="x")], 0.0, id="out-of-range"),
        pytest.param([], 1.0, id="no-citations"),
    ],
)
def test_citation_validity(citations, expected):
    assert citation_validity(citations, DOCS) == expected


@pytest.mark.unit
@pytest.mark.parametrize(
    "span, gold, hit, overlap",
    [
        pytest.param((0, 28), [FIRST], True, True, id="is-the-sentence"),
        pytest.param((0, 40), [FIRST], True, True, id="sentence-plus-a-little"),
        pytest.param((0, 59), [FIRST], False, True, id="chunk-twice-the-passage-only-contains-it"),
        pytest.param((10, 28), [FIRST], True, True, id="most-of-the-passage"),
        pytest.param((15, 28), [FIRST], False, True, id="under-half-of-the-passage"),
        pytest.param((0, 59), [SECOND], True, True, id="borderline-passage-is-just-over-half-the-citation"),
        pytest.param((29, 59), [FIRST], False, False, id="disjoint"),
        pytest.param((28, 40), [FIRST], False, False, id="touching-end-is-not-overlap"),
        pytest.param((0, 28), [GoldSpan("b.txt", 0, 28)], False, False, id="other-source"),
    ],
)
def test_evidence_hit_is_strict_and_overlap_is_lenient(span, gold, hit, overlap):
    assert evidence_hit([cit(*span)], gold) is hit
    assert evidence_overlap([cit(*span)], gold) is overlap


@pytest.mark.unit
@pytest.mark.parametrize(
    "quote, sentences, expected",
    [
        pytest.param((15, 27), [(0, 28), (29, 59)], (0, 28), id="fragment-widens-to-its-sentence"),
        pytest.param((20, 40), [(0, 28), (29, 59)], (0, 59), id="quote-across-two-sentences"),
        pytest.param((0, 28), [(0, 28), (29, 59)], (0, 28), id="whole-sentence-unchanged"),
        pytest.param((5, 9), [], (5, 9), id="no-sentence-keeps-the-quote"),
    ],
)
def test_sentence_passage(quote, sentences, expected):
    assert sentence_passage(GoldSpan("a.txt", *quote), sentences) == GoldSpan("a.txt", *expected)


@pytest.mark.unit
def test_load_cases_widens_gold_to_sentences_and_keeps_claims(tmp_path):
    path = tmp_path / "cases.jsonl"
    case = {"id": "x", "type": "single", "question": "q?", "gold": [{"source": "a.txt", "quote": "105 hostages"}]}
    path.write_text(json.dumps(case) + "\n", encoding="utf-8")
    (c,) = load_cases(path, DOCS)
    assert c.gold == (GoldSpan("a.txt", 15, 27),)
    assert c.passages == (FIRST,)
    assert c.claims == ("105 hostages",)


@pytest.mark.unit
def test_evidence_recall_and_keywords_and_conflicts():
    assert evidence_recall([cit(0, 28)], [FIRST, SECOND]) == 0.5
    assert evidence_recall([cit(0, 59)], [FIRST, SECOND]) == 0.5  # 30 of its 59 characters are the second
    assert keyword_hit("Hamas released 105 Hostages", ["105", "hostages"])
    assert not keyword_hit("Hamas released 110", ["105"])
    assert conflict_coverage("", [("a.txt", "105"), ("a.txt", "240")], [cit(0, 28)]) == 0.5


@pytest.mark.unit
def test_rank_metrics_hand_computed():
    ranked = [("a.txt", 0, 28), ("a.txt", 29, 59)]
    m = rank_metrics(ranked, [SECOND])
    assert m["hit@5"] == 1.0 and m["mrr"] == 0.5
    assert m["ndcg@10"] == pytest.approx(1 / 1.584962500721156)
    assert rank_metrics([("a.txt", 0, 28)], [SECOND])["mrr"] == 0.0


@pytest.mark.unit
def test_mean_skips_not_applicable():
    assert mean([1.0, None, 0.0]) == 0.5
    assert mean([None]) is None


# --- ALCE citation recall / precision ---------------------------------------------------------


class AllWordsJudge:
    """Test judge: supported when every word of the claim occurs in the evidence."""

    name = "all-words"

    def supports(self, claim, evidence):
        return set(claim.split()) <= set(evidence.split())


@pytest.mark.unit
@pytest.mark.parametrize(
    "claims, citations, expected",
    [
        pytest.param(["a b"], ["a b"], (1.0, 1.0), id="one-citation-supports"),
        pytest.param(["a b"], ["a b", "x y"], (1.0, 0.5), id="A-alone-supports-B-irrelevant"),
        pytest.param(["a b"], ["a", "b"], (1.0, 1.0), id="neither-alone-both-together-both-relevant"),
        pytest.param(["a b"], ["a b", "b a"], (1.0, 1.0), id="redundant-each-alone-supports"),
        pytest.param(["a b"], ["a b", "a"], (1.0, 0.5), id="partial-citation-beside-a-full-one-irrelevant"),
        pytest.param(["a b"], ["x y"], (0.0, 0.0), id="unsupported-claim-makes-nothing-relevant"),
        pytest.param(["a b"], ["a", "x"], (0.0, 0.0), id="partial-support-is-no-support"),
        pytest.param(["a b"], [], (0.0, None), id="abstention-precision-undefined"),
        pytest.param(["a b", "c d"], ["a b", "c d"], (1.0, 1.0), id="two-claims-two-citations"),
        pytest.param(["a b", "c d"], ["a b", "x"], (0.5, 0.5), id="one-claim-of-two-supported"),
        pytest.param(["a b", "c d"], ["a b c d"], (1.0, 1.0), id="one-citation-for-two-claims"),
    ],
)
def test_alce_scores(claims, citations, expected):
    assert alce_scores(claims, citations, AllWordsJudge()) == pytest.approx(expected)


@pytest.mark.unit
@pytest.mark.parametrize(
    "claim, evidence, supported",
    [
        pytest.param("Hamas released 105 hostages", "During that time, Hamas released 105 hostages.", True, id="verbatim"),
        pytest.param("Hamas released 251 hostages", "Hamas released 250 hostages", False, id="numbers-must-match"),
        pytest.param("killing 1,200 people", "approximately 1200 people were killed, killing", True, id="thousands-separator"),
        pytest.param("the hostage's release", "hostages released: release", True, id="plural-and-possessive-stemmed"),
        pytest.param(
            "a 21-day pause in hostilities between Israel and Hezbollah", "Israel and Hezbollah", False, id="too-few-terms"
        ),
        pytest.param("Hamas freed 105 captives", "Hamas released 105 hostages", False, id="limit-no-synonyms"),
        pytest.param(
            "Israel did not release the prisoners", "Israel did release the prisoners", True, id="limit-blind-to-negation"
        ),
        pytest.param("Israel attacked Hamas", "Hamas attacked Israel", True, id="limit-blind-to-word-order"),
        pytest.param("the and of", "the and of", False, id="stopwords-only-claim"),
    ],
)
def test_lexical_judge(claim, evidence, supported):
    assert LexicalJudge().supports(claim, evidence) is supported


@pytest.mark.unit
def test_lexical_judge_threshold_is_validated():
    with pytest.raises(ValueError):
        LexicalJudge(0)
    assert LexicalJudge(0.5).supports("alpha beta gamma delta", "alpha beta")
    assert not LexicalJudge(0.7).supports("alpha beta gamma delta", "alpha beta")


@pytest.mark.unit
@pytest.mark.parametrize(
    "answerable, abstained, expected",
    [
        pytest.param([True, False, False], [False, True, True], (1.0, 1.0, 0.0), id="perfect"),
        pytest.param([True, True, False], [True, False, True], (0.5, 1.0, 0.5), id="one-false-abstention"),
        pytest.param([True, False], [False, False], (None, 0.0, 0.0), id="never-abstains"),
        pytest.param([True], [False], (None, None, 0.0), id="no-unanswerable-cases"),
    ],
)
def test_abstention_scores(answerable, abstained, expected):
    m = abstention_scores(answerable, abstained)
    assert (m["abstention_precision"], m["abstention_recall"], m["false_abstention"]) == expected


@pytest.mark.unit
def test_format_table_marks_not_applicable():
    table = format_table({"project": {"evidence_hit": 0.5, "p50_ms": 12.34}, "bm25": {"evidence_hit": None, "p50_ms": 0.2}})
    assert "| evidence_hit | 0.500 | – |" in table
    assert "| p50_ms | 12.3 | 0.2 |" in table


@pytest.mark.unit
@pytest.mark.parametrize(
    "project, base, starts",
    [
        pytest.param((0.6, 0.5), (0.1, 0.4), "**Acceptance met", id="beats"),
        pytest.param((0.6, 0.4), (0.1, 0.4), "**Acceptance:** no baseline beats", id="ties"),
        pytest.param((0.6, 0.3), (0.1, 0.4), "**Acceptance not met:** citation_precision: x 0.400 vs project 0.300.", id="loses"),
    ],
)
def test_acceptance_note(project, base, starts):
    keys = ("evidence_hit", "citation_precision")
    note = acceptance_note(dict(zip(keys, project, strict=True)), {"x": dict(zip(keys, base, strict=True))})
    assert note.startswith(starts)


@pytest.mark.unit
def test_compare_names_the_best_baseline_and_each_ones_citation_length():
    lines = compare(
        {"evidence_hit": 0.6, "evidence_overlap": 0.7, "p50_ms": 40.0},
        {
            "bm25": {"evidence_hit": 0.1, "evidence_overlap": 0.9, "p50_ms": 0.1},
            "dense": {"evidence_hit": 0.2, "evidence_overlap": 0.5, "p50_ms": 20.0},
        },
        ["evidence_hit", "evidence_overlap", "p50_ms"],
        {"project": 180.0, "bm25": 870.4},
    )
    assert lines[0] == "- **evidence_hit**: project 0.600 vs best baseline dense 0.200."
    assert (
        lines[1]
        == "- **evidence_overlap**: bm25 0.900 beats the project 0.700 (bm25 cites 870 characters per citation, the project 180)."
    )
    assert lines[2].startswith("- **p50_ms**: bm25 0.1 beats the project 40.0")


@pytest.mark.unit
def test_findings_come_from_the_figures():
    payload = {
        "metrics": {"evidence_hit": 0.6, "citation_precision": 0.5},
        "baselines": {"x": {"evidence_hit": 0.1, "citation_precision": 0.4}},
        "by_type": {"conflict": {"citation_precision": 0.3}, "single": {"citation_precision": 0.9}},
        "baselines_by_type": {"x": {"conflict": {"citation_precision": 0.5}, "single": {"citation_precision": 0.2}}},
        "judge_sensitivity": {"0.5": {"project": {"citation_precision": 0.5}, "x": {"citation_precision": 0.55}}},
        "diagnostics": {"answered": 3, "hit": 1, "merged_run_misses": ["c2"], "overlap_misses": 1, "no_overlap": 0,
                        "sentences_per_citation": {"1": 4, "2": 1}},
    }  # fmt: skip
    got = findings(payload)
    assert got[0].startswith("**Acceptance met:**")
    assert (
        got[1] == "The citation-precision lead depends on the judge's threshold: at min coverage 0.5, x 0.550 vs project 0.500."
    )
    assert got[2] == "By question type, a baseline has the higher citation precision on conflict: x 0.500 vs project 0.300."
    assert "of 3 answered answerable cases, 1 cite the gold passage itself; 1 cite it only" in got[3] and "(c2)" in got[3]


@pytest.mark.unit
def test_citation_chars_per_system():
    payload = {
        "cases": [{"citations": [{"start": 0, "end": 10}, {"start": 5, "end": 25}]}],
        "baseline_cases": {"x": [{"citations": [["a", 0, 100]]}], "empty": [{"citations": []}]},
    }
    assert citation_chars(payload) == {"project": 15.0, "x": 100.0}


@pytest.mark.unit
def test_eval_settings_give_another_corpus_a_private_index(tmp_path):
    base = Settings()
    other = eval_settings(base.model_copy(update={"corpus_dir": tmp_path}), str(tmp_path), None)
    assert other.corpus_dir == tmp_path.resolve()
    assert other.index_dir.parent == base.index_dir / "eval-corpora" and other.index_dir != base.index_dir
    assert eval_settings(base, str(tmp_path), str(tmp_path / "idx")) is base  # an explicit --index wins
    assert eval_settings(base, None, None) is base
    assert eval_settings(base, str(base.corpus_dir), None) is base


# --- the full eval on the real corpus, and the gate ------------------------------------------------

# Gate thresholds sit a little under the measured figures (see README), so a real regression fails.
# Re-measured 2026-12-05 (shipped scorer refitted; headings, list openers, "how many" counting the thing asked, a date,
# name, place or size asked for and cited only where given; a quotation read only with the sentence reporting it).
GATE = {  # measured values in comments
    "citation_validity": 1.0,  # 1.000
    "evidence_hit": 0.80,  # 0.861
    "evidence_recall": 0.65,  # 0.730
    "citation_recall": 0.65,  # 0.730
    "citation_precision": 0.44,  # 0.486
    "keyword_accuracy": 0.72,  # 0.778
    "abstention_recall": 0.65,  # 0.722
    "abstention_precision": 0.85,  # 1.000
    "hit@5": 0.92,  # 0.972
    "mrr": 0.79,  # 0.843
    "ndcg@10": 0.79,  # 0.843
}
GATE_MAX = {"false_abstention": 0.04}  # 0.000


def check_gate(metrics):
    failures = [f"{k}={metrics[k]} < {v}" for k, v in GATE.items() if metrics[k] is None or metrics[k] < v]
    failures += [f"{k}={metrics[k]:.3f} > {v}" for k, v in GATE_MAX.items() if metrics[k] > v]
    return failures


@pytest.fixture(scope="module")
def assistant(real_index):
    from assistant.api import Assistant

    return Assistant(real_index)


@pytest.fixture(scope="module")
def cases(assistant):
    return load_cases(DEFAULT_CASES, assistant.docs)


@pytest.fixture(scope="module")
def full_eval(assistant, cases, tmp_path_factory):
    """The default eval: all cases, the project and the three baselines, reports in a tmp folder."""
    out = tmp_path_factory.mktemp("reports")
    return run_eval(assistant, cases, out, progress=False, cases_file=DEFAULT_CASES.name), out


@pytest.mark.integration
@pytest.mark.slow
def test_quality_gate_on_all_cases(full_eval, assistant):
    payload, _ = full_eval
    metrics = payload["metrics"]
    assert check_gate(metrics) == [], metrics
    # what the project is for: it cites the passage, not a chunk around it, and its citations support the claims
    for name in BASELINES:
        base = payload["baselines"][name]
        assert metrics["evidence_hit"] > base["evidence_hit"], name
        assert metrics["citation_precision"] > base["citation_precision"], name
    # every citation the evals produce (project and baselines) is an exact span of its file on disk
    for name, m in {"project": metrics, **payload["baselines"]}.items():
        assert m["citation_validity"] == 1.0, name
    for r in payload["cases"]:
        for c in r["citations"]:
            text = (assistant.settings.corpus_dir / c["source"]).read_bytes().decode("utf-8")
            assert text[c["start"] : c["end"]] == c["quote"]
    assert payload["llamaindex"]["dropped"] == 0


@pytest.mark.integration
@pytest.mark.slow
def test_report_has_every_metric_for_project_and_baselines(full_eval):
    payload, out = full_eval
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(saved["baselines"]) == set(BASELINES)
    for name, m in {"project": saved["metrics"], **saved["baselines"]}.items():
        missing = [k for k in REQUIRED_KEYS if k not in m]
        assert missing == [], (name, missing)
        assert all(m[k] is not None for k in REQUIRED_KEYS), name
    assert saved["metrics"]["cases"] == len(saved["cases"]) == 90
    assert {"tune", "test"} <= set(saved["by_split"])
    assert {"single", "multi", "conflict", "followup", "unanswerable"} <= set(saved["by_type"])
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "| metric | project | bm25 | dense | llamaindex |" in summary
    assert "What the project adds" in summary and "Acceptance" in summary


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("name", ["metrics_by_type.png", "latency.png", "metrics_vs_baselines.png"])
def test_plots_are_valid_pngs(full_eval, name):
    w, h = png_size(full_eval[1] / name)
    assert w >= 600 and h >= 150


@pytest.mark.integration
@pytest.mark.slow
def test_gate_fails_when_answers_cite_wrong_spans(assistant, cases, monkeypatch):
    real_ask = type(assistant).ask
    subset = [c for c in cases if c.answerable][:12]

    def shifted(self, question, history=None, filters=None):
        ans = real_ask(self, question, history, filters)
        bad = [dataclasses.replace(c, start=c.start + 7, end=c.end + 7) for c in ans.citations]
        return dataclasses.replace(ans, citations=bad)

    monkeypatch.setattr(type(assistant), "ask", shifted)
    metrics = summarize([r.row(assistant.docs) for r in run_cases(assistant, subset, progress=False)])
    assert metrics["citation_validity"] < 1.0
    assert any(f.startswith("citation_validity") for f in check_gate(metrics))


@pytest.mark.integration
@pytest.mark.slow
def test_gate_fails_when_answers_cite_a_valid_but_wrong_sentence(assistant, cases, monkeypatch):
    """Exact quotes of the wrong passage: validity holds, evidence hit and citation precision fail."""
    real_ask = type(assistant).ask
    subset = [c for c in cases if c.answerable][:12]
    sentences = assistant.loaded().sentences

    def far_sentence(self, question, history=None, filters=None):
        ans = real_ask(self, question, history, filters)
        bad = []
        for c in ans.citations:
            sents = sentences.by_doc[c.source]
            far = sents[(next(i for i, s in enumerate(sents) if s.end > c.start) + len(sents) // 2) % len(sents)]
            bad.append(dataclasses.replace(c, start=far.start, end=far.end, quote=far.text))
        return dataclasses.replace(ans, citations=bad)

    monkeypatch.setattr(type(assistant), "ask", far_sentence)
    metrics = summarize([r.row(assistant.docs) for r in run_cases(assistant, subset, progress=False)])
    assert metrics["citation_validity"] == 1.0
    failed = {f.split("=")[0] for f in check_gate(metrics)}
    assert {"evidence_hit", "citation_precision"} <= failed, metrics


@pytest.mark.integration
@pytest.mark.slow
def test_cli_eval_without_baselines(real_index, tmp_path, capsys):
    from assistant.cli import main

    lines = DEFAULT_CASES.read_text(encoding="utf-8").splitlines()
    few = [x for x in lines if '"split": "tune"' in x][:3] + [x for x in lines if '"split": "test"' in x][:2]
    (tmp_path / "few.jsonl").write_text("\n".join(few) + "\n", encoding="utf-8")
    out = tmp_path / "r"
    argv = ["eval", "--corpus", str(real_index.corpus_dir), "--index", str(real_index.index_dir), "--out", str(out)]
    assert main([*argv, "--cases", str(tmp_path / "few.jsonl"), "--split", "tune", "--no-baselines"]) == 0
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert saved["baselines"] == {} and [r["split"] for r in saved["cases"]] == ["tune"] * 3
    assert (out / "latency.png").exists() and "| metric | project |" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*argv, "--judge", "nli"])
