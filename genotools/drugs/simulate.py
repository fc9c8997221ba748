"""A small synthetic drug-response study whose response follows a known rule, for tests, demos and benchmarks.

Drugs come in six families, each a drug-like scaffold with one of four substituents, so drugs of a family have
similar fingerprints. Each family acts through two of the genes: a cell line's ln IC50 for a drug is

    ln IC50 = drug offset + potency x (w1 x z[gene1] + w2 x z[gene2]) + Gaussian noise (sd 0.5)

where z is the cell line's standardised expression, the weights and genes are the family's, and the potency
depends on the substituent. About one pair in ten is unmeasured. As in real studies, the tables spell cell lines
differently (response "NCI-H1" with punctuation, expression "NCIH1"), three cell lines of the response table
have no expression profile, two profiled cell lines have no response, and one drug was not screened.
The output is a pure function of the seed, so the files in test-data/ can be regenerated and compared.
"""

from pathlib import Path

import numpy as np

SCAFFOLDS = {  # family name: SMILES with {R} where the substituent goes
    "Anilinib": "COc1cc2ncnc(Nc3ccc({R})cc3)c2cc1OC",
    "Pyrimatinib": "Cc1ccc(NC(=O)c2ccc({R})cc2)cc1Nc1nccc(-c2cccnc2)n1",
    "Oxindolin": "O=C1Nc2ccc({R})cc2/C1=C/c1ccc[nH]1",
    "Sulfamidin": "NS(=O)(=O)c1ccc(NC(=O)c2ccc({R})cc2)cc1",
    "Indocarbin": "O=C(Nc1ccc({R})cc1)c1cc2ccccc2[nH]1",
    "Pteridox": "Nc1nc(N)c2nc(-c3ccc({R})cc3)cnc2n1",
}
SUBSTITUENTS = {"F": 1.0, "Cl": 1.2, "OC": 0.8, "C(F)(F)F": 1.4}  # substituent: potency
CELL_PREFIXES = ["NCI-H", "HCC-", "SK-MEL-", "MDA-MB-", "OVCAR-", "KM-", "SW-", "HT-", "U-", "CAL-"]


def simulate_drug_response(outdir: Path | str, seed: int = 1, n_cells: int = 100,
                           n_genes: int = 200) -> tuple[Path, Path, Path]:
    """Write response.tsv (cell_line, drug, ln_ic50), expression.tsv (genes as rows, cell lines as columns) and
    drugs.tsv (drug, smiles) to `outdir`; return their paths."""
    rng = np.random.default_rng(seed)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    numbers = rng.choice(np.arange(1, 1000), n_cells + 2, replace=False)
    cells = [f"{CELL_PREFIXES[i % len(CELL_PREFIXES)]}{number}" for i, number in enumerate(numbers)]
    genes = [f"GENE{g + 1:03d}" for g in range(n_genes)]
    expression = rng.uniform(2, 10, n_genes) + rng.uniform(0.3, 2, n_genes) * rng.normal(size=(len(cells), n_genes))
    z = (expression - expression.mean(0)) / expression.std(0)

    drugs, smiles, rows = [], [], []
    for family, scaffold in SCAFFOLDS.items():
        targets = rng.choice(n_genes, 2, replace=False)
        weights = rng.choice([-1, 1], 2) * rng.uniform(0.6, 1.2, 2)
        family_offset = rng.uniform(-3, 3)
        for number, (substituent, potency) in enumerate(SUBSTITUENTS.items(), start=1):
            drug = f"{family}-{number}"
            drugs.append(drug)
            smiles.append(scaffold.replace("{R}", substituent))
            offset = family_offset + rng.normal(0, 0.5)
            response = offset + potency * z[:, targets] @ weights + rng.normal(0, 0.5, len(cells))
            measured = rng.random(len(cells)) > 0.1
            rows += [(cells[c], drug, response[c]) for c in range(n_cells) if measured[c]]
    unscreened = "Pteridox-5"
    drugs.append(unscreened)
    smiles.append(SCAFFOLDS["Pteridox"].replace("{R}", "Br"))

    paths = outdir / "response.tsv", outdir / "expression.tsv", outdir / "drugs.tsv"
    paths[0].write_text("cell_line\tdrug\tln_ic50\n"
                        + "".join(f"{cell}\t{drug}\t{value:.3f}\n" for cell, drug, value in rows))
    # The first three cell lines have no profile, the last two no response; names without punctuation, like CCLE.
    profiled = [cell.replace("-", "") for cell in cells[3:]]
    paths[1].write_text("\t".join(["gene", *profiled]) + "\n" + "".join(
        "\t".join([gene, *(f"{v:.3f}" for v in expression[3:, g])]) + "\n" for g, gene in enumerate(genes)))
    paths[2].write_text("drug\tsmiles\n" + "".join(f"{d}\t{s}\n" for d, s in zip(drugs, smiles)))
    return paths
