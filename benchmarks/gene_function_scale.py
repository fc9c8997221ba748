"""Does the gene-function GNN fit a genome-scale network in memory? One training step (forward and backward) of
the GNN over a random network of 20,000 genes and 1,000,000 edges, full batch, on sparse adjacency. Prints the
time of each step and the peak memory (resident set on the CPU; allocated on a GPU) beside what a dense
adjacency alone would take.
Run: .venv/bin/python benchmarks/gene_function_scale.py [--genes 20000] [--edges 1000000] [--device cpu]
"""

import argparse
import resource
import time

import numpy as np
import torch
from scipy import sparse

from genotools.function.model import build_gene_model, mean_adjacency, walk_votes
from genotools.runtime import autocast, resolve_device, seed_everything


def peak_mib(device):
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # kilobytes on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=500, help="e.g. 40-400 samples + 421 protein k-mers")
    parser.add_argument("--terms", type=int, default=2_000)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    seed_everything(0)
    device = resolve_device(args.device)
    random = np.random.default_rng(0)
    before = peak_mib(device)
    ends = random.integers(0, args.genes, (2, args.edges))
    upper = sparse.coo_matrix((random.random(args.edges), (ends.min(0), ends.max(0))), shape=(args.genes,) * 2)
    adjacency = (upper + upper.T).tocsr()
    adjacency.setdiag(0)
    adjacency.eliminate_zeros()
    started = time.perf_counter()
    graph = mean_adjacency(adjacency, device)
    print(f"{args.genes} genes, {adjacency.nnz // 2} undirected edges ({adjacency.nnz} stored), {args.features} "
          f"features, {args.terms} terms, {device}, {args.precision}, {args.threads} thread(s); sparse adjacency "
          f"built in {time.perf_counter() - started:.2f} s")
    features = torch.randn(args.genes, args.features, device=device)
    targets = (torch.rand(args.genes, args.terms, device=device) < 0.01).float()
    known = random.random(args.genes) < 0.5  # the genes whose annotations are known
    votes = torch.from_numpy(walk_votes(adjacency, targets.cpu().numpy(), known)).to(device)
    model = build_gene_model("gnn", args.features, args.terms).to(device)
    optimizer = torch.optim.AdamW(model.parameters())
    for step in range(1, args.steps + 1):
        started = time.perf_counter()
        with autocast(device, args.precision):
            logits = model(features, graph, votes)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits.float(), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        print(f"step {step}: forward + backward + update {time.perf_counter() - started:.2f} s")
    peak = peak_mib(device)
    dense = args.genes ** 2 * 4 / 2**20
    print(f"peak memory {peak:.0f} MiB ({peak - before:.0f} MiB above the {before:.0f} MiB before the graph); a "
          f"dense float32 adjacency alone would take {dense:.0f} MiB, {dense / max(peak - before, 1):.1f} times "
          "the increase")


if __name__ == "__main__":
    main()
