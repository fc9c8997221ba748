"""Named quality metrics, their thresholds, and the pass/warn/fail status of each check.

A metric gets worse as it rises (most: counts and fractions of bad records) or as it falls (the minority class of
a label, Ti/Tv). It warns beyond its default threshold and fails beyond the one `--fail-on` gives; a metric that
describes rather than judges (GC fraction, overlapping regions of a tiled set) has no default threshold and is
reported as `info` unless `--fail-on` gives it one.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from genotools.errors import InputError

HIGHER, LOWER = "higher", "lower"  # the way a metric gets worse
STATUSES = ("info", "pass", "warn", "fail")  # in rising severity
EXAMPLES = 100  # records at fault kept per check


@dataclass(frozen=True)
class Metric:
    input: str  # the option whose file it describes: reference, regions, vcf or matrix
    description: str
    worse: str = HIGHER
    warn: float | None = None  # default threshold; None: descriptive
    needs: tuple = ()  # the other inputs it needs


METRICS = {
    "n_fraction": Metric("reference", "fraction of the genome that is N", warn=0.1),
    "contig_n_fraction": Metric("reference", "the largest fraction of N of a contig", warn=0.5),
    "soft_masked_fraction": Metric("reference", "fraction of the bases soft-masked (lower case)"),
    "gc_fraction": Metric("reference", "GC fraction of the A, C, G and T bases"),
    "regions_on_unknown_contigs": Metric("regions", "regions on contigs the reference lacks", warn=0,
                                         needs=("reference",)),
    "regions_past_contig_end": Metric("regions", "regions that end past the end of their contig", warn=0,
                                      needs=("reference",)),
    "duplicate_regions": Metric("regions", "regions with the same coordinates as an earlier one", warn=0),
    "overlapping_regions": Metric("regions", "regions that overlap another (tiled windows do by design)"),
    "constant_label_tasks": Metric("regions", "label columns with a single value", warn=0),
    "label_minority_fraction": Metric("regions", "the smallest fraction of the rarer class of a binary label",
                                      worse=LOWER, warn=0.01),
    "ti_tv": Metric("vcf", "transitions per transversion among the SNVs (about 2.0-2.1 in human genomes, "
                    "3.0 in exomes)", worse=LOWER),
    "ref_mismatch_fraction": Metric("vcf", "fraction of the records whose REF differs from the reference", warn=0,
                                    needs=("reference",)),
    "contigs_not_in_reference": Metric("vcf", "contigs of the records that the reference lacks", warn=0,
                                       needs=("reference",)),
    "genotype_missing_fraction": Metric("vcf", "the largest fraction of missing genotypes of a sample", warn=0.1),
    "missing_fraction": Metric("matrix", "fraction of the values missing", warn=0.05),
    "sample_missing_fraction": Metric("matrix", "the largest fraction of missing values of a sample", warn=0.2),
    "feature_missing_fraction": Metric("matrix", "the largest fraction of missing values of a feature", warn=0.5),
    "constant_features": Metric("matrix", "features with a single value across the samples", warn=0),
    "outlier_samples": Metric("matrix", "samples far from the others (robust z-score of the distance to the "
                              "median profile above 5)", warn=0),
    "batch_pc_r2": Metric("matrix", "the largest share of a top principal component's variance explained by the "
                          "batch", warn=0.5, needs=("batches",)),
}


def beyond(value: float, threshold: float, worse: str) -> bool:
    return value > threshold if worse == HIGHER else value < threshold


@dataclass
class Check:
    """One metric of one input. Records at fault are either listed (`at_fault`, e.g. the duplicate regions) or
    found from each record's own value (`per_record`, e.g. each sample's missing fraction, the worst of which is
    `value`), so that they follow the threshold in force."""
    input: str
    metric: str
    value: float
    message: str
    at_fault: list = field(default_factory=list)
    per_record: dict | None = None
    status: str = "info"
    threshold: float | None = None

    @property
    def worse(self) -> str:
        return METRICS[self.metric].worse

    def records_at_fault(self) -> list[str]:
        if self.per_record is None:
            return self.at_fault
        if self.threshold is None:
            return []
        return [name for name, value in self.per_record.items() if beyond(value, self.threshold, self.worse)]

    def judge(self, fail_threshold: float | None) -> None:
        """Set the status (and the threshold it was judged by) from --fail-on's threshold and the default."""
        warn = METRICS[self.metric].warn
        if math.isnan(self.value):
            self.status, self.threshold = "info", fail_threshold if fail_threshold is not None else warn
        elif fail_threshold is not None and beyond(self.value, fail_threshold, self.worse):
            self.status, self.threshold = "fail", fail_threshold
        elif warn is not None and beyond(self.value, warn, self.worse):
            self.status, self.threshold = "warn", warn
        elif fail_threshold is not None or warn is not None:
            self.status, self.threshold = "pass", fail_threshold if fail_threshold is not None else warn
        else:
            self.status = "info"


def examples(names: list[str], total: int) -> str:
    """' (e.g. a, b, c, ...)' naming the first of `total` records at fault, or nothing when none is named."""
    shown = ", ".join(names[:3])
    return f" (e.g. {shown}{', ...' if total > 3 else ''})" if names else ""


def listed(path: str, metric: str, at_fault: list[str], total: int, what: str) -> Check:
    """A check whose value is the number of records at fault: `at_fault` names them, `what` (with `total`)
    says of what: "3 of 120 regions repeat an earlier one (e.g. ...)"."""
    message = f"{len(at_fault):,} of {total:,} {what}{examples(at_fault, len(at_fault))}"
    return Check(path, metric, len(at_fault), message, at_fault=at_fault[:EXAMPLES])


@dataclass
class Section:
    """What the report says about one input file: its checks, tables ({title: (header, rows)}) and figures
    ({title: PNG bytes})."""
    kind: str  # reference, regions, vcf or matrix
    path: str
    checks: list
    tables: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)


def parse_fail_on(texts: Iterable[str], given: set[str]) -> dict[str, float]:
    """{metric: threshold} from --fail-on METRIC=THRESHOLD options; `given` names the inputs given (reference,
    regions, vcf, matrix, batches), so that a gate on a metric that no input yields is refused, not passed."""
    thresholds = {}
    for text in texts:
        name, _, number = text.partition("=")
        name = name.strip()
        if name not in METRICS:
            raise InputError(f"--fail-on {text!r}: unknown metric {name!r}; choose among {', '.join(METRICS)}")
        example = f"{name}={METRICS[name].warn if METRICS[name].warn is not None else 0}"
        try:
            thresholds[name] = float(number)
        except ValueError:
            raise InputError(f"--fail-on {text!r}: write METRIC=THRESHOLD with a number, e.g. {example}") from None
        if not math.isfinite(thresholds[name]):
            raise InputError(f"--fail-on {text!r}: the threshold {number.strip()!r} is not a finite number; give "
                             f"one, e.g. {example}")
        missing = [f"--{option}" for option in (METRICS[name].input, *METRICS[name].needs) if option not in given]
        if missing:
            raise InputError(f"--fail-on {text!r}: {name} needs {' and '.join(missing)}, which is not given")
    return thresholds


def judge(sections: list[Section], fail_on: dict[str, float]) -> list[Check]:
    """Set every check's status; return the checks that fail."""
    checks = [check for section in sections for check in section.checks]
    for check in checks:
        check.judge(fail_on.get(check.metric))
    return [check for check in checks if check.status == "fail"]


def overall(sections: list[Section]) -> str:
    """The most severe status of any check."""
    return max((check.status for section in sections for check in section.checks), key=STATUSES.index,
               default="info")
