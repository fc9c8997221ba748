"""Checks of a reference genome, of BED regions and of variants, each on its own and against the reference."""

from collections import Counter
from pathlib import Path

import numpy as np

from genotools.io.bed import read_regions
from genotools.io.fasta import Reference
from genotools.io.vcf import contig_names, open_vcf, read_records
from genotools.qc import plots
from genotools.qc.checks import EXAMPLES, METRICS, Check, Section, examples, listed

CHUNK = 10_000_000  # bases of a contig read at a time, so that memory stays flat on any genome
TRANSITIONS = ({"A", "G"}, {"C", "T"})


def _fraction(part, whole):
    return part / whole if whole else float("nan")


def check_reference(genome: Reference) -> Section:
    """Contigs, lengths, and the N, soft-masked and GC fractions of an open Reference."""
    rows, n_by_contig = [], {}
    totals = Counter()
    for chrom, length in genome.lengths.items():
        histogram = np.zeros(256, dtype=np.int64)
        for start in range(0, length, CHUNK):
            text = genome.bases(chrom, start, min(start + CHUNK, length))
            histogram += np.bincount(np.frombuffer(text.encode("latin-1"), dtype=np.uint8), minlength=256)
        count = {kind: int(histogram[[ord(c) for c in letters]].sum()) for kind, letters in
                 (("n", "Nn"), ("masked", "abcdefghijklmnopqrstuvwxyz"), ("acgt", "ACGTacgt"), ("gc", "GCgc"))}
        totals.update(count, length=length)
        n_by_contig[chrom] = _fraction(count["n"], length)
        rows.append([chrom, length, n_by_contig[chrom], _fraction(count["masked"], length),
                     _fraction(count["gc"], count["acgt"])])
    worst = max(n_by_contig, key=n_by_contig.get)
    path = str(genome.path)
    checks = [
        Check(path, "n_fraction", _fraction(totals["n"], totals["length"]),
              f"{totals['n']:,} of {totals['length']:,} bases are N"),
        Check(path, "contig_n_fraction", n_by_contig[worst], f"{worst} is {n_by_contig[worst]:.1%} N",
              per_record=n_by_contig),
        Check(path, "soft_masked_fraction", _fraction(totals["masked"], totals["length"]),
              f"{totals['masked']:,} bases are soft-masked"),
        Check(path, "gc_fraction", _fraction(totals["gc"], totals["acgt"]),
              f"{totals['gc']:,} of {totals['acgt']:,} A, C, G and T bases are G or C"),
    ]
    lengths = dict(genome.lengths)
    figure = plots.bars(lengths, "Contig lengths, and their N bases", "bases",
                        highlight=[c for c, f in n_by_contig.items() if f > METRICS["contig_n_fraction"].warn],
                        stacked=("N", {c: lengths[c] * f for c, f in n_by_contig.items()}))
    return Section("reference", path, checks,
                   tables={"Contigs": (["contig", "length", "N fraction", "soft-masked fraction", "GC fraction"],
                                       rows)},
                   figures={"Contig lengths": figure})


def _overlapping(starts, ends):
    """Which intervals overlap another; sorted by start, one overlaps an earlier one when it starts before their
    largest end, and a later one when it ends after the next start."""
    order = np.lexsort((ends, starts))
    s, e = starts[order], ends[order]
    earlier_end = np.concatenate([[np.iinfo(np.int64).min], np.maximum.accumulate(e)[:-1]])
    next_start = np.concatenate([s[1:], [np.iinfo(np.int64).max]])
    overlapping = np.empty(len(order), dtype=bool)
    overlapping[order] = (s < earlier_end) | (e > next_start)
    return overlapping


def check_regions(path: Path | str, genome: Reference | None = None) -> Section:
    """Duplicates, overlaps, label balance per task, and, with a reference, regions outside its contigs."""
    regions = read_regions(path)
    path = str(path)
    n = len(regions.chroms)
    described = []  # the name, and the coordinates unless the name is them
    for name, chrom, start, end in zip(regions.names, regions.chroms, regions.starts.tolist(), regions.ends.tolist()):
        where = f"{chrom}:{start}-{end}"
        described.append(where if name == where else f"{name} ({where})")
    seen, duplicates = set(), []
    for i, key in enumerate(zip(regions.chroms, regions.starts.tolist(), regions.ends.tolist())):
        if key in seen:
            duplicates.append(i)
        seen.add(key)
    distinct = np.ones(n, dtype=bool)
    distinct[duplicates] = False
    chroms = np.array(regions.chroms)
    overlapping = np.zeros(n, dtype=bool)
    for chrom in dict.fromkeys(regions.chroms):
        at = np.flatnonzero((chroms == chrom) & distinct)
        overlapping[at] = _overlapping(regions.starts[at], regions.ends[at])
    checks = [
        listed(path, "duplicate_regions", [described[i] for i in duplicates], n, "regions repeat an earlier one"),
        listed(path, "overlapping_regions", [described[i] for i in np.flatnonzero(overlapping)], n,
               "regions overlap another"),
    ]
    per_contig = Counter(regions.chroms)
    header, rows = ["contig", "regions"], [[chrom, count] for chrom, count in per_contig.items()]
    unknown = []
    if genome is not None:
        lengths = genome.lengths
        unknown = [chrom for chrom in per_contig if chrom not in lengths]
        past_end = [i for i, chrom in enumerate(regions.chroms)
                    if chrom in lengths and regions.ends[i] > lengths[chrom]]
        checks += [
            listed(path, "regions_on_unknown_contigs",
                   [described[i] for i, chrom in enumerate(regions.chroms) if chrom not in lengths], n,
                   f"regions are on contigs that {genome.path} lacks"),
            listed(path, "regions_past_contig_end",
                   [f"{described[i]}, contig length {lengths[regions.chroms[i]]:,}" for i in past_end], n,
                   "regions end past the end of their contig"),
        ]
        header.append("contig length")
        rows = [[*row, lengths.get(row[0], "not in the reference")] for row in rows]
    section = Section("regions", path, checks, tables={"Regions per contig": (header, rows)})
    section.figures["Regions per contig"] = plots.bars(dict(per_contig), "Regions per contig", "regions",
                                                       highlight=unknown)
    if regions.task_names:
        _check_labels(section, regions)
    return section


def _check_labels(section, regions):
    """Label balance per task: the rarer class of binary tasks, and tasks whose labels never change."""
    rows, constant, positive = [], [], {}
    for task, values in zip(regions.task_names, regions.labels.T):
        observed = values[~np.isnan(values)]
        distinct = np.unique(observed)
        if len(distinct) <= 1:
            constant.append(task)
        if not len(observed):
            rows.append([task, "no labels", "", "", "", 1.0])
        elif set(distinct.tolist()) <= {0.0, 1.0}:
            positive[task] = float(observed.mean())
            rows.append([task, "binary", positive[task], "", "", 1 - len(observed) / len(values)])
        else:
            rows.append([task, "regression", "", float(observed.mean()), float(observed.std()),
                         1 - len(observed) / len(values)])
    tasks = len(regions.task_names)
    section.checks.append(listed(section.path, "constant_label_tasks", constant, tasks,
                                 "label columns have a single value"))
    minority = {task: min(fraction, 1 - fraction) for task, fraction in positive.items()}
    rarest = min(minority, key=minority.get) if minority else None
    section.checks.append(Check(
        section.path, "label_minority_fraction", minority[rarest] if rarest else float("nan"),
        f"{rarest}: {minority[rarest]:.1%} of its labels are of its rarer class" if rarest else "no binary label",
        per_record=minority))
    section.tables["Labels per task"] = (["task", "type", "positive fraction", "mean", "sd", "missing fraction"], rows)
    if positive:
        section.figures["Label balance"] = plots.bars(positive, "Fraction of positive labels of each binary task",
                                                      "fraction", highlight=constant)


def check_variants(path: Path | str, genome: Reference | None = None) -> Section:
    """Records per contig, Ti/Tv, missing genotypes per sample, and, with a reference, REF alleles that
    disagree with it and contigs that it lacks (found as they are, with or without 'chr', or as chrM/MT)."""
    variants = open_vcf(path)
    path = str(path)
    samples = list(variants.header.samples)
    missing = np.zeros(len(samples), dtype=np.int64)
    per_contig, substitutions, mapping = Counter(), Counter(), {}
    mismatches, mismatched, checked, records = 0, [], 0, 0
    with variants:  # names the header lacks are read as htslib reads them, with the dummy lines it adds
        for records, record in enumerate(read_records(variants, path, declared=False), start=1):  # noqa: B007 (read after)
            per_contig[record.chrom] += 1
            ref = record.ref.upper()
            for alt in (a.upper() for a in record.alts or ()):
                if len(ref) == len(alt) == 1 and ref != alt and {ref, alt} <= set("ACGT"):
                    substitutions["ti" if {ref, alt} in TRANSITIONS else "tv"] += 1
            if samples:
                missing += ([None in (call.get("GT") or (None,)) for call in record.samples.values()]
                            if "GT" in record.format else 1)
            if genome is None:
                continue
            if record.chrom not in mapping:
                mapping[record.chrom] = contig_names([record.chrom], genome.lengths).get(record.chrom)
            if mapping[record.chrom] is None:
                continue
            checked += 1
            bases = genome.fetch(mapping[record.chrom], record.start, record.start + len(ref))
            if bases != ref:
                mismatches += 1
                if len(mismatched) < EXAMPLES:
                    mismatched.append(f"{record.id or '.'} ({record.chrom}:{record.pos}): REF {record.ref}, "
                                    f"reference {bases}")
    ti_tv = _fraction(substitutions["ti"], substitutions["tv"])
    checks = [Check(path, "ti_tv", ti_tv, f"{substitutions['ti']:,} transitions, {substitutions['tv']:,} "
                    f"transversions among {records:,} records")]
    if samples:
        fractions = dict(zip(samples, (missing / records if records else missing * np.nan).tolist()))
        worst = max(fractions, key=fractions.get)
        checks.append(Check(path, "genotype_missing_fraction", fractions[worst],
                            f"{worst}: {fractions[worst]:.1%} of its genotypes are missing", per_record=fractions))
    else:
        checks.append(Check(path, "genotype_missing_fraction", float("nan"), "no samples"))
    header, rows = ["contig", "records"], [[chrom, count] for chrom, count in per_contig.items()]
    unknown = []
    if genome is not None:
        unknown = [chrom for chrom, found in mapping.items() if found is None]
        renamed = [f"{chrom} as {found}" for chrom, found in mapping.items() if found not in (None, chrom)]
        checks += [
            Check(path, "ref_mismatch_fraction", _fraction(mismatches, checked),
                  f"{mismatches:,} of the {checked:,} records on the reference's contigs have a REF that differs "
                  f"from it{examples(mismatched, mismatches)}", at_fault=mismatched),
            Check(path, "contigs_not_in_reference", len(unknown),
                  f"{len(unknown)} contigs ({sum(per_contig[c] for c in unknown):,} records) are not in "
                  f"{genome.path}{examples(unknown, len(unknown))}"
                  + (f"; found under another name: {', '.join(renamed[:3])}" if renamed else ""), at_fault=unknown),
        ]
        header.append("in the reference as")
        rows = [[*row, mapping[row[0]] or "missing"] for row in rows]
    section = Section("vcf", path, checks, tables={"Records per contig": (header, rows)})
    section.figures["Records per contig"] = plots.bars(dict(per_contig), "Records per contig", "records",
                                                       highlight=unknown)
    if samples:
        section.tables["Missing genotypes per sample"] = (["sample", "missing fraction"],
                                                          [[s, f] for s, f in fractions.items()])
        section.figures["Missing genotypes"] = plots.bars(
            fractions, "Fraction of missing genotypes per sample", "fraction",
            highlight=[s for s, f in fractions.items() if f > METRICS["genotype_missing_fraction"].warn])
    return section
