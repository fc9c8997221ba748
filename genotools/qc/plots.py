"""The report's figures, as PNG bytes to embed in the HTML. matplotlib's Figure is used without pyplot: no global
state, no backend to choose."""

import io
from collections.abc import Collection, Mapping

import numpy as np
from matplotlib.figure import Figure

MAX_BARS = 60  # more bars than this are unreadable: the largest are drawn
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf"]


def _png(figure):
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def bars(values: Mapping[str, float], title: str, ylabel: str, highlight: Collection[str] = (),
         stacked: tuple[str, Mapping[str, float]] | None = None) -> bytes:
    """A bar per name of `values` ({name: value}; the MAX_BARS largest where there are more), the names in
    `highlight` in red; `stacked`, a (label, {name: value}) pair, is drawn over them in a darker colour."""
    names = list(values)
    if len(names) > MAX_BARS:
        names = sorted(names, key=values.get, reverse=True)[:MAX_BARS]
        title += f" (the {MAX_BARS} largest of {len(values)})"
    figure = Figure(figsize=(max(5, 0.25 * len(names) + 2), 3.2))
    axis = figure.subplots()
    x = np.arange(len(names))
    colours = ["#d62728" if name in highlight else "#7fa7d0" for name in names]
    axis.bar(x, [values[name] for name in names], color=colours)
    if stacked:
        label, part = stacked
        axis.bar(x, [part.get(name, 0) for name in names], color="#1f4e79", label=label)
        axis.legend(fontsize=8)
    axis.set_xticks(x, names, rotation=90, fontsize=7)
    axis.set_ylabel(ylabel)
    axis.set_title(title, fontsize=10)
    return _png(figure)


def pca(scores: np.ndarray, explained: np.ndarray, groups: list[str] | None, batch_name: str,
        labelled: dict[int, str]) -> bytes:
    """Scatter of the first two principal components, coloured by `groups` (a label per point, or None), with
    the points whose names are in `labelled` ({index: name}) named."""
    figure = Figure(figsize=(5.5, 4.2))
    axis = figure.subplots()
    second = scores[:, 1] if scores.shape[1] > 1 else np.zeros(len(scores))
    if groups is None:
        axis.scatter(scores[:, 0], second, s=18, color=PALETTE[0])
    else:
        for i, group in enumerate(sorted(set(groups))):
            at = np.array([g == group for g in groups])
            axis.scatter(scores[at, 0], second[at], s=18, color=PALETTE[i % len(PALETTE)], label=group)
        axis.legend(title=batch_name, fontsize=7, title_fontsize=8)
    for index, name in labelled.items():
        axis.annotate(name, (scores[index, 0], second[index]), fontsize=7, color="#d62728")
    axis.set_xlabel(f"PC1 ({100 * explained[0]:.1f}% of the variance)")
    axis.set_ylabel(f"PC2 ({100 * explained[1]:.1f}%)" if len(explained) > 1 else "PC2")
    axis.set_title("Principal components of the samples", fontsize=10)
    return _png(figure)
