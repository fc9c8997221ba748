"""Drug structure from SMILES with RDKit: Morgan (ECFP-like) fingerprints, Tanimoto similarity, and molecular
graphs (atoms with their features, bonds as edges) for a graph neural network."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from rdkit.rdBase import BlockLogs

from genotools.errors import InputError

# Atom features: one-hot element, degree, hydrogens, hybridisation and charge (the last slot of each for
# anything else), then aromatic and in-ring flags.
ELEMENTS = ("C", "N", "O", "S", "F", "Cl", "Br", "I", "P", "B")
DEGREES = (0, 1, 2, 3, 4)
HYDROGENS = (0, 1, 2, 3)
HYBRIDISATIONS = (Chem.HybridizationType.SP, Chem.HybridizationType.SP2, Chem.HybridizationType.SP3)
CHARGES = (-1, 0, 1)
ATOM_FEATURES = sum(len(values) + 1 for values in (ELEMENTS, DEGREES, HYDROGENS, HYBRIDISATIONS, CHARGES)) + 2


def molecules(names: list[str], smiles: list[str], source: Path | str) -> list[Chem.Mol]:
    """RDKit molecules. Every SMILES that RDKit cannot parse is listed, by drug name, in one InputError: a drug
    silently left out would change what is trained and evaluated, and the fix (correct or remove the rows) is in
    the user's file `source`."""
    with BlockLogs():  # RDKit prints parse errors itself; ours name the drug instead
        parsed = [Chem.MolFromSmiles(text) for text in smiles]
    invalid = [f"{name} ({text!r})" for name, text, molecule in zip(names, smiles, parsed) if molecule is None]
    if invalid:
        raise InputError(f"{source}: {len(invalid)} invalid SMILES: {', '.join(invalid)}; correct or remove them")
    return parsed


def morgan_fingerprints(mols: list[Chem.Mol], radius: int = 2, n_bits: int = 2048) -> np.ndarray:
    """One row of `n_bits` bits (uint8) per molecule."""
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits)
    return np.array([generator.GetFingerprintAsNumPy(molecule) for molecule in mols], dtype=np.uint8)


@dataclass
class Graphs:
    """Molecules as one disconnected graph: atom i belongs to molecule `molecule[i]`; each bond is two
    directed edges."""
    atoms: np.ndarray  # atoms x ATOM_FEATURES, float32
    edges: np.ndarray  # 2 x directed edges (source, target), int64
    molecule: np.ndarray  # atoms, int64


def _one_hot(value, values):
    code = [0.0] * (len(values) + 1)
    code[values.index(value) if value in values else len(values)] = 1.0
    return code


def _atom_features(atom):
    return (_one_hot(atom.GetSymbol(), ELEMENTS) + _one_hot(atom.GetDegree(), DEGREES)
            + _one_hot(atom.GetTotalNumHs(), HYDROGENS) + _one_hot(atom.GetHybridization(), HYBRIDISATIONS)
            + _one_hot(atom.GetFormalCharge(), CHARGES) + [float(atom.GetIsAromatic()), float(atom.IsInRing())])


def molecular_graphs(mols: list[Chem.Mol]) -> Graphs:
    atoms, edges, molecule, offset = [], [], [], 0
    for index, mol in enumerate(mols):
        atoms += [_atom_features(atom) for atom in mol.GetAtoms()]
        for bond in mol.GetBonds():
            a, b = bond.GetBeginAtomIdx() + offset, bond.GetEndAtomIdx() + offset
            edges += [(a, b), (b, a)]
        molecule += [index] * mol.GetNumAtoms()
        offset += mol.GetNumAtoms()
    return Graphs(atoms=np.array(atoms, dtype=np.float32).reshape(-1, ATOM_FEATURES),
                  edges=np.array(edges, dtype=np.int64).reshape(-1, 2).T.copy(),
                  molecule=np.array(molecule, dtype=np.int64))


def tanimoto(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Tanimoto similarity of each fingerprint of `a` to each of `b` (shared bits / bits in either); 0 for two
    empty fingerprints."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    shared = a @ b.T
    either = a.sum(1)[:, None] + b.sum(1)[None, :] - shared
    return np.divide(shared, either, out=np.zeros_like(shared), where=either > 0)
