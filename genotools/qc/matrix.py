"""Checks of a numeric matrix of samples and features (expression, drug response ...): missing values, constant
features, outlier samples, and principal components coloured by a batch."""

import contextlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io.tables import SHORTER, normalise, read_omics, read_rows
from genotools.qc import plots
from genotools.qc.checks import METRICS, Check, Section, listed

OUTLIER_Z = 5.0  # robust z-score of a sample's distance to the median profile above which it is an outlier
COMPONENTS = 5  # principal components tested for a batch effect
UNASSIGNED = "not in the samples table"


@dataclass
class Batches:
    path: str
    column: str
    of: dict  # normalised sample name -> batch
    samples: list  # sample names as the table spells them


def read_batches(path: Path | str, column: str | None = None) -> Batches:
    """A samples table: sample names in the first column, the batch in the column named `column` (or in the
    only other column)."""
    header, rows = read_rows(path, "samples")
    if column is None:
        if len(header) != 2:
            raise InputError(f"{path}: line 1: {len(header)} columns; name the batch column with --batch-column "
                             f"(the columns are {', '.join(header)})")
        column = header[1]
    if column not in header[1:]:
        raise InputError(f"{path}: line 1: no column named {column!r} after the sample names (the columns are "
                         f"{', '.join(header)})")
    at, of, samples, lines = header.index(column), {}, [], {}
    for line_number, fields in rows:
        if len(fields) != len(header):
            raise InputError(f"{path}: line {line_number}: {len(fields)} columns but the header names {len(header)}")
        sample, key = fields[0].strip(), normalise(fields[0])
        if key in lines:
            first = lines[key]
            raise InputError(f"{path}: line {line_number}: sample {sample!r} is listed again (as "
                             f"{samples[first[1]]!r} on line {first[0]}); keep one row per sample")
        lines[key] = (line_number, len(samples))
        samples.append(sample)
        of[key] = fields[at].strip() or "NA"
    return Batches(str(path), column, of, samples)


def _read(path, orientation, batches):
    """The matrix with samples as rows: on the side that names the samples of `batches`, else, for "auto", on the
    shorter side (features usually outnumber samples)."""
    if batches is not None:
        return read_omics(path, batches.samples, orientation, row_kind="sample",
                          known_rows=f"the samples of {batches.path}")
    return read_omics(path, orientation=SHORTER if orientation == "auto" else orientation, row_kind="sample")


def _robust_z(values):
    median = np.median(values)
    spread = 1.4826 * np.median(np.abs(values - median))
    return (values - median) / spread if spread > 0 else np.zeros_like(values)


def check_matrix(path: Path | str, orientation: str = "auto", batches: Batches | None = None) -> Section:
    omics = _read(path, orientation, batches)
    path, samples, features = str(path), omics.cells, omics.features
    values = omics.values.astype(np.float64)
    absent = np.isnan(values)
    by_sample = dict(zip(samples, absent.mean(1).tolist()))
    by_feature = dict(zip(features, absent.mean(0).tolist()))
    worst_sample, worst_feature = max(by_sample, key=by_sample.get), max(by_feature, key=by_feature.get)
    with _all_nan_allowed():
        lowest, highest = np.nanmin(values, 0), np.nanmax(values, 0)
    constant = ~(highest > lowest)  # also a feature without values
    checks = [
        Check(path, "missing_fraction", float(absent.mean()), f"{int(absent.sum()):,} of {absent.size:,} values are "
              "missing"),
        Check(path, "sample_missing_fraction", by_sample[worst_sample],
              f"sample {worst_sample}: {by_sample[worst_sample]:.1%} of its values are missing", per_record=by_sample),
        Check(path, "feature_missing_fraction", by_feature[worst_feature],
              f"feature {worst_feature}: {by_feature[worst_feature]:.1%} of its values are missing",
              per_record=by_feature),
        listed(path, "constant_features", [f for f, c in zip(features, constant) if c], len(features),
               "features have a single value"),
    ]
    section = Section("matrix", path, checks)
    header, rows = ["sample", "missing fraction"], [[sample, by_sample[sample]] for sample in samples]
    if batches:
        groups = [batches.of.get(normalise(sample), UNASSIGNED) for sample in samples]
        header.insert(1, "batch")
        rows = [[row[0], group, *row[1:]] for row, group in zip(rows, groups)]
    if constant.all():  # e.g. a single sample: nothing to compare the samples on
        checks += [Check(path, metric, float("nan"), "no feature varies across the samples")
                   for metric in ("outlier_samples", *(["batch_pc_r2"] if batches else []))]
    else:
        z = _profiles(section, values[:, ~constant], samples, groups if batches else None, batches)
        header.append("distance z-score")
        rows = [[*row, score] for row, score in zip(rows, z.tolist())]
    section.tables["Samples"] = (header, rows)
    faulty = [[f, by_feature[f], bool(c)] for f, c in zip(features, constant) if c or by_feature[f] > 0]
    section.tables["Features with missing values or a single value"] = (
        ["feature", "missing fraction", "single value"], faulty)
    if absent.any():
        section.figures["Missing values per sample"] = plots.bars(
            by_sample, "Fraction of missing values per sample", "fraction",
            highlight=[s for s, f in by_sample.items() if f > METRICS["sample_missing_fraction"].warn])
    return section


def _profiles(section, varying, samples, groups, batches):
    """Outlier samples, the principal components and their batch effect, from the features that vary; each
    sample's robust z-score of its distance to the median profile."""
    standardised = (varying - np.nanmean(varying, 0)) / np.nanstd(varying, 0)
    standardised = np.nan_to_num(standardised)  # a missing value counts as the feature's mean
    distance = np.sqrt(np.mean((standardised - np.median(standardised, 0)) ** 2, 1))
    z = _robust_z(distance)
    outliers = [name for name, score in zip(samples, z) if score > OUTLIER_Z]
    section.checks.append(listed(section.path, "outlier_samples", outliers, len(samples), "samples are outliers"))
    scores, explained = _components(standardised)
    if batches:
        section.checks.append(_batch_check(section.path, scores, groups, batches))
    labelled = {i: samples[i] for i in np.flatnonzero(z > OUTLIER_Z)}
    section.figures["Principal components"] = plots.pca(scores, explained, groups, batches.column if batches else "",
                                                        labelled)
    section.figures["Distance to the median profile"] = plots.bars(
        dict(zip(samples, z.tolist())), "Robust z-score of each sample's distance to the median profile", "z-score",
        highlight=outliers)
    return z


def _components(standardised):
    """The scores of the samples on the first principal components and the share of the variance of each."""
    centred = standardised - standardised.mean(0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    kept = min(COMPONENTS, len(s))
    total = (s ** 2).sum()
    return u[:, :kept] * s[:kept], (s[:kept] ** 2 / total if total else np.zeros(kept))


def _batch_check(path, scores, groups, batches):
    """The largest share of a top component's variance that the batch explains (R² of a one-way ANOVA), over
    the samples that the table assigns to a batch."""
    groups = np.array(groups)
    assigned = groups != UNASSIGNED
    unassigned = f" {int((~assigned).sum())} samples are not in {batches.path}." if not assigned.all() else ""
    kinds = np.unique(groups[assigned])
    if len(kinds) < 2:
        return Check(path, "batch_pc_r2", float("nan"), f"fewer than two batches in {batches.column}.{unassigned}")
    r2 = {}
    for j in range(scores.shape[1]):
        pc = scores[assigned, j]
        total = ((pc - pc.mean()) ** 2).sum()
        between = sum((groups[assigned] == k).sum() * (pc[groups[assigned] == k].mean() - pc.mean()) ** 2
                      for k in kinds)
        r2[f"PC{j + 1}"] = float(between / total) if total > 0 else 0.0
    worst = max(r2, key=r2.get)
    return Check(path, "batch_pc_r2", r2[worst], f"{batches.column} explains {r2[worst]:.0%} of the variance of "
                 f"{worst} ({len(kinds)} batches).{unassigned}", per_record=r2)


@contextlib.contextmanager
def _all_nan_allowed():
    """numpy's nan-functions warn about a feature without values; their NaN for it is what is wanted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
