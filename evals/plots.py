"""The eval's three PNGs: metrics by question type, project vs baselines, latency (matplotlib Agg, lazy)."""

from __future__ import annotations

from pathlib import Path

from .metrics import percentile
from .systems import BASELINES

COLORS = dict(zip(["project", *BASELINES], ["#1f6feb", "#9a6700", "#8250df", "#57606a"], strict=True))
TYPE_PANELS = (
    ("evidence_hit", "Evidence hit (strict)"),
    ("citation_precision", "Citation precision (ALCE, lexical judge)"),
    ("keyword_accuracy", "Keyword accuracy"),
    ("abstained", "Abstained (right on unanswerable, wrong elsewhere)"),
)
HEADLINE = (
    "evidence_hit",
    "evidence_overlap",
    "citation_precision",
    "citation_recall",
    "keyword_accuracy",
    "hit@5",
    "mrr",
    "ndcg@10",
)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _short(v: float) -> str:
    """Bar label: '' for n/a, '0', '1', else '.67'."""
    if v != v:  # NaN: not applicable
        return ""
    return "0" if v == 0 else "1" if v == 1 else f"{v:.2f}".lstrip("0")


def _nan(v) -> float:
    return float("nan") if v is None else v


def _bars(ax, systems: list[str], groups: int, values_of) -> None:
    """One bar per system in each of ``groups`` groups; ``values_of(system)`` gives the group values."""
    width = 0.8 / len(systems)
    for j, name in enumerate(systems):
        vals = [_nan(v) for v in values_of(name)]
        xs = [i + (j - (len(systems) - 1) / 2) * width for i in range(groups)]
        bars = ax.bar(xs, vals, width, label=name, color=COLORS.get(name))
        ax.bar_label(bars, labels=[_short(v) for v in vals], fontsize=7, padding=1)


def _type_value(m: dict, key: str, qtype: str):
    if key == "abstained":
        return m.get("abstention_recall") if qtype == "unanswerable" else m.get("false_abstention")
    return m.get(key)


def plot_by_type(payload: dict, path: Path) -> Path:
    plt = _pyplot()
    systems = ["project", *payload["baselines"]]
    by_type = {"project": payload["by_type"], **payload.get("baselines_by_type", {})}
    types = list(payload["by_type"])
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    for ax, (key, title) in zip(axes.flat, TYPE_PANELS, strict=True):
        _bars(ax, systems, len(types), lambda s, key=key: [_type_value(by_type.get(s, {}).get(t, {}), key, t) for t in types])
        for i, t in enumerate(types):
            if key != "abstained" and all(by_type.get(s, {}).get(t, {}).get(key) is None for s in systems):
                ax.text(i, 0.02, "n/a", ha="center", fontsize=9, color="#57606a")
        ax.set_title(title)
        ax.set_xlim(-0.6, len(types) - 0.4)
        ax.set_xticks(range(len(types)), types)
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    axes.flat[0].legend(loc="upper right", fontsize=9)
    fig.suptitle(f"Metrics by question type ({payload['metrics']['cases']} cases; n/a types left blank)")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_vs_baselines(payload: dict, path: Path) -> Path:
    plt = _pyplot()
    systems = ["project", *payload["baselines"]]
    allm = {"project": payload["metrics"], **payload["baselines"]}
    fig, ax = plt.subplots(figsize=(12, 5), constrained_layout=True)
    _bars(ax, systems, len(HEADLINE), lambda s: [allm[s].get(k) for k in HEADLINE])
    ax.set_xticks(range(len(HEADLINE)), HEADLINE)
    ax.set_ylim(0, 1.05)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(ncols=len(systems), loc="upper center", bbox_to_anchor=(0.5, -0.08))
    ax.set_title("Project vs baselines (all cases)")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_latency(payload: dict, path: Path) -> Path:
    """Latency distribution per system, log scale, p50/p95 marked."""
    plt = _pyplot()
    lat = {"project": [r["ms"] for r in payload["cases"]], **payload.get("baseline_latency_ms", {})}
    names = [s for s in ["project", *payload["baselines"]] if lat.get(s)]
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.9 * len(names)), constrained_layout=True)
    data = [[max(v, 0.001) for v in lat[s]] for s in names]
    ax.boxplot(data, orientation="horizontal", tick_labels=names, showfliers=True, widths=0.5)
    for i, s in enumerate(names, 1):
        p50, p95 = percentile(lat[s], 50), percentile(lat[s], 95)
        ax.plot([p50], [i], "o", color=COLORS.get(s), ms=8)
        ax.plot([p95], [i], "D", color=COLORS.get(s), ms=7)
        label = f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        ax.annotate(label, (max(data[i - 1]), i), xytext=(8, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_xscale("log")
    ax.set_xlabel("latency per question, ms (log scale; circle = p50, diamond = p95)")
    ax.set_title("Latency distribution (warm; project = full ask(), baselines = retrieval only)")
    ax.grid(axis="x", alpha=0.3, which="both")
    xmin, xmax = ax.get_xlim()
    ax.set_xlim(xmin, xmax * 8)  # room for the labels
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_plots(payload: dict, out: Path) -> list[Path]:
    """metrics_by_type.png, metrics_vs_baselines.png and latency.png in ``out``."""
    out = Path(out)
    return [
        plot_by_type(payload, out / "metrics_by_type.png"),
        plot_vs_baselines(payload, out / "metrics_vs_baselines.png"),
        plot_latency(payload, out / "latency.png"),
    ]
