"""Drug structure from SMILES: Morgan (ECFP-like) fingerprints with RDKit, and Tanimoto similarity."""

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from rdkit.rdBase import BlockLogs

from genotools.errors import InputError


def morgan_fingerprints(names, smiles, source, radius=2, n_bits=2048):
    """One row of `n_bits` bits (uint8) per drug. Every SMILES that RDKit cannot parse is listed, by drug name,
    in one InputError: a drug silently left out would change what is trained and evaluated, and the fix (correct
    or remove the rows) is in the user's file `source`."""
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits)
    with BlockLogs():  # RDKit prints parse errors itself; ours name the drug instead
        molecules = [Chem.MolFromSmiles(text) for text in smiles]
    invalid = [f"{name} ({text!r})" for name, text, molecule in zip(names, smiles, molecules) if molecule is None]
    if invalid:
        raise InputError(f"{source}: {len(invalid)} invalid SMILES: {', '.join(invalid)}; correct or remove them")
    return np.array([generator.GetFingerprintAsNumPy(molecule) for molecule in molecules], dtype=np.uint8)


def tanimoto(a, b):
    """Tanimoto similarity of each fingerprint of `a` to each of `b` (shared bits / bits in either); 0 for two
    empty fingerprints."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    shared = a @ b.T
    either = a.sum(1)[:, None] + b.sum(1)[None, :] - shared
    return np.divide(shared, either, out=np.zeros_like(shared), where=either > 0)
