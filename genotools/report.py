"""Plots and summary files."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _pyplot():
    """matplotlib's pyplot on the Agg backend, imported on first use: it costs tools that plot nothing ~0.5 s."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # the backend must be chosen before pyplot loads

    return plt


def plot_learning_curves(history: list[dict], best_epoch: int, path: Path | str) -> None:
    """PNG of training and validation loss per epoch, with the learning rate and the chosen epoch marked."""
    plt = _pyplot()
    epochs = [r["epoch"] for r in history]
    figure, (loss_axis, lr_axis) = plt.subplots(2, 1, figsize=(6, 5), sharex=True, height_ratios=[3, 1])
    loss_axis.plot(epochs, [r["train_loss"] for r in history], marker="o", label="training")
    loss_axis.plot(epochs, [r["valid_loss"] for r in history], marker="o", label="validation")
    loss_axis.axvline(best_epoch, color="grey", linestyle="--", label=f"best epoch ({best_epoch})")
    loss_axis.set_ylabel("loss")
    loss_axis.legend()
    loss_axis.set_title("Learning curves")
    lr_axis.plot(epochs, [r["lr"] for r in history], marker=".", color="black")
    lr_axis.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
    lr_axis.set_ylabel("learning rate")
    lr_axis.set_xlabel("epoch")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)


class GenomeMaxima:
    """The largest |score| per task in bins along the genome: memory set by the genome, not by the variants."""

    def __init__(self, contig_lengths: dict[str, int], n_tasks: int, n_bins: int = 20_000) -> None:
        self.lengths = dict(contig_lengths)
        self.bin_size = max(1000, -(-sum(self.lengths.values()) // n_bins))
        self.maxima = {}  # contig -> (bins, tasks), NaN where no variant was scored
        self.n_tasks = n_tasks

    def add(self, contig: str, position: int, values: np.ndarray) -> None:
        if contig not in self.maxima:
            self.maxima[contig] = np.full((self.lengths[contig] // self.bin_size + 1, self.n_tasks), np.nan)
        row = self.maxima[contig][position // self.bin_size]
        np.fmax(row, np.abs(values), out=row)


def plot_genome_scores(maxima: GenomeMaxima, task_names: list[str], score: str, path: Path | str) -> None:
    """Manhattan-style PNG: per task, the largest |score| in each genome bin, contigs in alternating colours."""
    plt = _pyplot()
    figure, axes = plt.subplots(len(task_names), 1, figsize=(10, 1.8 * len(task_names) + 0.8), sharex=True,
                                squeeze=False)
    offset, ticks = 0, []
    for i, (contig, length) in enumerate(maxima.lengths.items()):
        values = maxima.maxima.get(contig)
        if values is not None:
            x = offset + (np.arange(len(values)) + 0.5) * maxima.bin_size
            for j, axis in enumerate(axes[:, 0]):
                axis.scatter(x, values[:, j], s=4, color=("#1f4e79", "#7fa7d0")[i % 2])
        ticks.append((offset + length / 2, contig))
        offset += length
    for axis, task in zip(axes[:, 0], task_names):
        axis.set_ylabel(f"|{score}|\n{task}")
    axes[-1, 0].set_xticks([t for t, _ in ticks], [c for _, c in ticks], rotation=90 if len(ticks) > 25 else 0,
                           fontsize=8)
    axes[0, 0].set_title(f"Largest |{score}| per {maxima.bin_size:,} bp along the genome")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)


def plot_attribution_logos(rows: list[tuple[str, np.ndarray, Sequence[int]]], alphabet: str, title: str,
                           path: Path | str) -> None:
    """PNG with one attribution logo per row (label, heights (length, letters of `alphabet`), highlighted
    offsets): each base drawn as tall as its attribution, above the axis when it raises the output, below when it
    lowers it."""
    import logomaker  # imported here: only runs that draw logos pay for it
    import pandas as pd

    plt = _pyplot()
    length = len(rows[0][1])
    figure, axes = plt.subplots(len(rows), 1, figsize=(max(6, length / 12), 1.8 * len(rows) + 0.6), sharex=True,
                                sharey=True, squeeze=False)
    for axis, (label, heights, highlight) in zip(axes[:, 0], rows):
        logomaker.Logo(pd.DataFrame(heights, columns=list(alphabet)), ax=axis, color_scheme="classic")
        if len(highlight):
            axis.axvspan(highlight[0] - 0.5, highlight[-1] + 0.5, color="gold", alpha=0.3, linewidth=0)
        axis.axhline(0, color="black", linewidth=0.5)
        axis.set_ylabel(label)
    axes[-1, 0].set_xlabel("position in the window (bp)")
    axes[0, 0].set_title(title)
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)


def plot_motif_logos(rows: list[tuple[str, np.ndarray, int]], alphabet: str, title: str, path: Path | str) -> None:
    """PNG with one information-content logo per row (label, letter heights in bits (width, letters of
    `alphabet`), first position), aligned by their first positions, on the scale of the most bits a position holds."""
    import logomaker  # imported here: only runs that draw logos pay for it
    import pandas as pd
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    start, end = min(first for _, _, first in rows), max(first + len(h) for _, h, first in rows)
    figure, axes = plt.subplots(len(rows), 1, figsize=(max(4, (end - start) / 2.5), 1.6 * len(rows) + 0.6),
                                sharex=True, squeeze=False)
    for axis, (label, heights, first) in zip(axes[:, 0], rows):
        logomaker.Logo(pd.DataFrame(heights, columns=list(alphabet), index=range(first, first + len(heights))),
                       ax=axis, color_scheme="classic")
        axis.set(xlim=(start - 0.5, end - 0.5), ylim=(0, np.log2(len(alphabet))), ylabel=f"{label}\nbits")
    axes[-1, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[-1, 0].set_xlabel("position")
    axes[0, 0].set_title(title)
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)


def plot_drug_response(observed: np.ndarray, predictions: dict[str, np.ndarray], drug_index: np.ndarray,
                       path: Path | str) -> None:
    """PNG of cross-validated drug response: predicted against observed for the model, and the distribution of
    per-drug Pearson correlations of the model and of each baseline. `predictions`: {method: values}, the model
    first."""
    from genotools.metrics import correlations

    plt = _pyplot()
    figure, (scatter_axis, drug_axis) = plt.subplots(1, 2, figsize=(11, 4.5))
    model, predicted = next(iter(predictions.items()))
    scatter_axis.hexbin(observed, predicted, gridsize=60, bins="log", mincnt=1, cmap="viridis")
    low, high = np.nanmin([observed.min(), predicted.min()]), np.nanmax([observed.max(), predicted.max()])
    scatter_axis.plot([low, high], [low, high], color="grey", linestyle="--", linewidth=1)
    scatter_axis.set(xlabel="observed", ylabel="predicted", title=f"{model}: every measurement, out of fold")
    edges = np.linspace(-1, 1, 41)
    for method, values in predictions.items():
        per_drug = [correlations(observed[drug_index == d], values[drug_index == d])["pearson"]
                    for d in np.unique(drug_index)]
        per_drug = [r for r in per_drug if r is not None]
        if per_drug:
            drug_axis.hist(per_drug, bins=edges, histtype="step", linewidth=1.5,
                           label=f"{method} (mean {np.mean(per_drug):.3f})")
    drug_axis.set(xlabel="Pearson correlation within a drug", ylabel="drugs", title="Per-drug correlation")
    drug_axis.legend(fontsize="small", loc="upper left")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)


def plot_gene_function_pr(results: dict[str, dict], path: Path | str) -> None:
    """PNG of protein-centric precision-recall curves, one per method, each with its Fmax point. `results`:
    {method: function.metrics.evaluate output}, the model first."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6, 5))
    for method, metrics in results.items():
        curve = metrics["curve"]
        recall, precision = np.array(curve["recall"]), np.array(curve["precision"])
        predicting = recall > 0  # above the top score no gene has a term, and the point means nothing
        line, = axis.plot(recall[predicting], precision[predicting], linewidth=1.5,
                          label=f"{method} (Fmax {metrics['fmax']:.3f})")
        best = curve["threshold"].index(metrics["fmax_threshold"])
        axis.plot(recall[best], precision[best], "o", color=line.get_color())
    axis.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="recall", ylabel="precision",
             title="Held-out genes: precision and recall over thresholds")
    axis.legend(fontsize="small", loc="lower left")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)


def genomic_inflation(p_values: np.ndarray) -> float | None:
    """Lambda GC: the median association chi-square (1 df) over its expected median under the null."""
    from scipy import stats

    p_values = p_values[np.isfinite(p_values)]
    return float(np.median(stats.chi2.isf(p_values, 1)) / stats.chi2.ppf(0.5, 1)) if len(p_values) else None


def plot_manhattan(chroms: list[str] | np.ndarray, positions: list[int] | np.ndarray, p_values: np.ndarray,
                   path: Path | str, highlight: Sequence[int] | np.ndarray = ()) -> None:
    """Manhattan plot PNG: -log10 p of each variant along the genome, chromosomes in file order and alternating
    colours, the genome-wide significance line (5e-8) dashed; variants at the indices `highlight` in red."""
    plt = _pyplot()
    chroms, positions = np.asarray(chroms), np.asarray(positions, dtype=np.float64)
    scores = -np.log10(np.clip(p_values, 1e-300, 1))
    x, ticks, offset = np.empty(len(positions)), [], 0.0
    figure, axis = plt.subplots(figsize=(10, 4))
    for i, chrom in enumerate(dict.fromkeys(chroms)):
        on = chroms == chrom
        x[on] = offset + positions[on] - positions[on].min()
        axis.scatter(x[on], scores[on], s=5, color=("#1f4e79", "#7fa7d0")[i % 2])
        ticks.append((x[on].mean(), chrom))
        offset = x[on].max() + max(1.0, 0.01 * positions.max())
    if len(highlight):
        axis.scatter(x[highlight], scores[highlight], s=12, color="#c0392b", label="top variants by the neural model")
        axis.legend(fontsize="small", loc="best")
    axis.axhline(-np.log10(5e-8), color="grey", linestyle="--", linewidth=1)
    axis.set_xticks([t for t, _ in ticks], [c for _, c in ticks], rotation=90 if len(ticks) > 25 else 0, fontsize=8)
    axis.set(ylabel="-log10 p", title="Per-variant association")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)


def plot_qq(p_values: np.ndarray, path: Path | str) -> None:
    """QQ plot PNG: observed against expected -log10 p under the null, with the genomic inflation in the title."""
    plt = _pyplot()
    p_values = np.sort(p_values[np.isfinite(p_values)])
    expected = -np.log10((np.arange(len(p_values)) + 0.5) / max(len(p_values), 1))
    observed = -np.log10(np.clip(p_values, 1e-300, 1))
    figure, axis = plt.subplots(figsize=(5, 5))
    axis.scatter(expected, observed, s=5, color="#1f4e79")
    top = max(expected.max(initial=1), observed.max(initial=1))
    axis.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=1)
    inflation = genomic_inflation(p_values)
    axis.set(xlabel="expected -log10 p", ylabel="observed -log10 p",
             title=f"QQ plot, genomic inflation \u03bb = {inflation:.3f}" if inflation else "QQ plot")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)
