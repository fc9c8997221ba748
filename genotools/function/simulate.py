"""A small gene-function study whose annotations follow a known rule, in the formats of real data, for tests,
demos and benchmarks.

The ontology has a root, branches and leaves in each aspect (55 live terms), with is_a and part_of parents, an
alt_id and two obsolete terms. Genes fall into twelve modules; module m's genes are annotated with the m-th leaf of
each aspect (each with probability 0.85) and now and then a leaf at random. Each source of data carries part of
the signal:

expression  modules 0-5 share a profile across the samples, beside each gene's own noise
sequence    the proteins of modules 6-11 carry their module's motif a few times
network     about a quarter of a gene's edges join genes of its module, the others are random

so that the networks beat the naive and neighbour baselines, and a graph network, which also averages what its
neighbours' data say, tends to beat the MLP (on seeds 1-3 with the default training options: naive Fmax 0.42-0.44,
neighbours 0.55-0.61, MLP 0.65-0.68, GNN 0.67-0.72, for BP with a quarter of the genes held out).

As in real data, some genes lack expression, a sequence or both, some have no edge, some are not annotated
(genes to predict), the network names genes absent from the other files, and the files spell genes differently:
GF-12 in the annotations, gf12 in the expression matrix, GF12 in the FASTA, GF_12 or GF-12 in the network. The
output is a pure function of the seed.
"""

from pathlib import Path

import numpy as np

from genotools.function.features import AMINO_ACIDS

ROOTS = {"biological_process": "GO:0008150", "molecular_function": "GO:0003674", "cellular_component": "GO:0005575"}
BRANCHES = {"biological_process": 5, "molecular_function": 4, "cellular_component": 4}
LEAVES_PER_BRANCH = 3
MODULES = 12
GAF_ASPECT = {"biological_process": "P", "molecular_function": "F", "cellular_component": "C"}
RELATION = {"biological_process": "involved_in", "molecular_function": "enables", "cellular_component": "located_in"}


def simulate_gene_function(folder: Path | str, seed: int = 1, genes: int = 300, samples: int = 40,
                           prefix: str = "") -> list[Path]:
    """Write go.obo, annotations.gaf, expression.tsv (genes as rows), proteins.fa and network.tsv to `folder`,
    each name after `prefix`; return their paths."""
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    leaves, obo = _ontology()
    module = rng.permutation(np.arange(genes) % MODULES)
    roles = rng.permutation(genes)  # the first genes of this order lack data, in the slices below
    unannotated, no_data = roles[:30], roles[30:36]
    no_expression, no_sequence, no_edges = roles[36:51], roles[51:66], roles[66:74]
    paths = [folder / f"{prefix}{name}"
             for name in ("go.obo", "annotations.gaf", "expression.tsv", "proteins.fa", "network.tsv")]
    paths[0].write_text(obo)
    paths[1].write_text(_gaf(rng, module, leaves, np.setdiff1d(np.arange(genes), unannotated)))
    paths[2].write_text(_expression(rng, module, samples, np.setdiff1d(np.arange(genes), [*no_data, *no_expression])))
    paths[3].write_text(_proteins(rng, module, np.setdiff1d(np.arange(genes), [*no_data, *no_sequence])))
    paths[4].write_text(_network(rng, module, np.setdiff1d(np.arange(genes), no_edges)))
    return paths


def _ontology():
    """({aspect: leaf ids}, OBO text). Ids count up from GO:0990001 in each aspect's block; the first leaf of each
    branch is also part_of the next branch; a leaf has an alt_id; an obsolete term is replaced by a leaf, another
    is not."""
    stanzas, leaves = ["format-version: 1.2\ndefault-namespace: gene_ontology\n"], {}
    for block, (aspect, root) in enumerate(ROOTS.items()):
        stanzas.append(_term(root, aspect.replace("_", " "), aspect))
        ids = iter(f"GO:{990001 + 1000 * block + n:07d}" for n in range(1000))
        branches = [next(ids) for _ in range(BRANCHES[aspect])]
        leaves[aspect] = []
        for b, branch in enumerate(branches):
            stanzas.append(_term(branch, f"{aspect} branch {b + 1}", aspect, [f"is_a: {root}"]))
            for n in range(LEAVES_PER_BRANCH):
                leaf = next(ids)
                lines = [f"is_a: {branch}"]
                if n == 0:
                    lines.append(f"relationship: part_of {branches[(b + 1) % len(branches)]}")
                if (block, b, n) == (0, 0, 1):
                    lines.append("alt_id: GO:0990999")
                stanzas.append(_term(leaf, f"{aspect} branch {b + 1} leaf {n + 1}", aspect, lines))
                leaves[aspect].append(leaf)
    stanzas.append(_term("GO:0990998", "old process", "biological_process",
                         ["is_obsolete: true", f"replaced_by: {leaves['biological_process'][0]}"]))
    stanzas.append(_term("GO:0990997", "withdrawn process", "biological_process", ["is_obsolete: true"]))
    stanzas.append("[Typedef]\nid: part_of\nname: part of\nis_transitive: true\n")
    return leaves, "\n".join(stanzas)


def _term(term, name, aspect, lines=()):
    return "\n".join(["[Term]", f"id: {term}", f"name: {name}", f"namespace: {aspect}", *lines]) + "\n"


def _gaf(rng, module, leaves, annotated):
    """GAF 2.2: each aspect's module leaf with probability 0.85, a random leaf with probability 0.3; about a
    fifth inferred electronically (IEA); one NOT line, one obsolete term with a replacement, one without."""
    lines = ["!gaf-version: 2.2", "!generated-by: genotools.function.simulate", "!date-generated: 2024-01-01"]
    for gene in annotated:
        for aspect, aspect_leaves in leaves.items():
            terms = [aspect_leaves[module[gene]]] if rng.random() < 0.85 else []
            if rng.random() < 0.3:
                terms.append(aspect_leaves[rng.integers(len(aspect_leaves))])
            for term in terms:
                lines.append(_gaf_line(gene, term, aspect, "IEA" if rng.random() < 0.2 else "IDA"))
    first, second, third = annotated[:3]
    lines.append(_gaf_line(first, leaves["biological_process"][-1], "biological_process", "IMP", negated=True))
    lines.append(_gaf_line(second, "GO:0990998", "biological_process", "TAS"))
    lines.append(_gaf_line(third, "GO:0990997", "biological_process", "TAS"))
    return "\n".join(lines) + "\n"


def _gaf_line(gene, term, aspect, evidence, negated=False):
    qualifier = ("NOT|" if negated else "") + RELATION[aspect]
    return "\t".join(["UniProtKB", f"Q{gene + 10000:05d}", f"GF-{gene}", qualifier, term, "PMID:0000001",
                      evidence, "", GAF_ASPECT[aspect], f"gene function {gene}", "", "protein", "taxon:9606",
                      "20240101", "genotools", "", ""])


def _expression(rng, module, samples, genes):
    """TPM-like values, log2(TPM + 1) = level + 1.5 x (module profile, modules 0-5) + noise; a few missing."""
    profiles = rng.normal(size=(MODULES, samples))
    log_values = (rng.uniform(2, 8, (len(genes), 1)) + rng.normal(size=(len(genes), samples))
                  + 1.5 * profiles[module[genes]] * (module[genes] < 6)[:, None])
    text = np.char.mod("%.2f", np.exp2(np.maximum(log_values, 0)) - 1).astype(object)
    text[rng.random(text.shape) < 0.005] = "NA"
    header = "\t".join(["gene", *(f"sample_{s + 1}" for s in range(samples))])
    return "\n".join([header, *("\t".join([f"gf{gene}", *row]) for gene, row in zip(genes, text))]) + "\n"


def _proteins(rng, module, genes):
    """Random proteins of 150-350 residues; those of modules 6-11 carry their module's 4-residue motif 6 to 10
    times. One gene in ten also has a shorter isoform, listed first."""
    motifs = ["".join(rng.choice(list(AMINO_ACIDS), 4)) for _ in range(MODULES)]
    records = []
    for gene in genes:
        residues = list(rng.choice(list(AMINO_ACIDS), rng.integers(150, 350)))
        if module[gene] >= 6:
            for position in rng.choice(len(residues) - 4, rng.integers(6, 11), replace=False):
                residues[position:position + 4] = motifs[module[gene]]
        sequence = "".join(residues)
        if rng.random() < 0.1:
            records.append((f"GF{gene} isoform 2", sequence[: len(sequence) // 2]))
        records.append((f"GF{gene} isoform 1", sequence))
    return "".join(f">{name}\n" + "".join(sequence[i:i + 60] + "\n" for i in range(0, len(sequence), 60))
                   for name, sequence in records)


def _network(rng, module, genes):
    """Each gene links to 1 gene of its module (weight 0.4-1) and 3 at random (0.1-0.7); five genes of the
    network are in no other file."""
    edges = []
    for gene in genes:
        same = genes[(module[genes] == module[gene]) & (genes != gene)]
        edges += [(gene, partner, rng.uniform(0.4, 1)) for partner in rng.choice(same, 1, replace=False)]
        edges += [(gene, partner, rng.uniform(0.1, 0.7)) for partner in rng.choice(genes, 3) if partner != gene]
    name = {gene: f"GF_{gene}" if gene % 2 else f"GF-{gene}" for gene in genes}
    lines = [f"{name[a]}\t{name[b]}\t{weight:.3f}" for a, b, weight in edges]
    lines += [f"GF-{9000 + n}\t{name[genes[n]]}\t0.500" for n in range(5)]
    return "\n".join(["gene_a\tgene_b\tweight", *lines]) + "\n"
