"""The omics features of cell lines: as chosen for training, and rebuilt for a model at prediction from the
preprocessing saved in it (genotools.drugs.model.drug_model_metadata)."""

from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io.tables import Omics, normalise, read_omics
from genotools.preprocessing import Preprocessing, Standardiser, log_transform


def chosen_features(matrix: Omics, kept: Collection[str] | None, log: bool) -> Omics:
    """The matrix restricted to the features `kept` (--feature-list; None keeps all), log-transformed if `log`."""
    if kept is not None:
        columns = [i for i, name in enumerate(matrix.features) if name in kept]
        if not columns:
            raise InputError(f"{matrix.path}: none of its features is in --feature-list (its features are e.g. "
                             f"{', '.join(matrix.features[:3])})")
        matrix = Omics(matrix.path, matrix.cells, [matrix.features[i] for i in columns], matrix.values[:, columns])
    if log:
        matrix = Omics(matrix.path, matrix.cells, matrix.features, log_transform(matrix.values, matrix.path))
    return matrix


def model_features(paths: Sequence[Path | str], metadata: dict, orientation: str = "auto",
                   warn: Callable[[str], object] = lambda message: None) -> tuple[list[str], np.ndarray]:
    """(cell lines in every matrix, their preprocessed features) from the omics files `paths`, oriented (with
    "auto") by the model's features, which match whatever cell lines are asked for. Each matrix is
    matched to the model's omics matrix whose features it shares most of, so the order of `paths` does not matter
    (Galaxy does not keep it); features the model uses but a matrix lacks are set to the training mean, with a
    `warn`ing."""
    slots = metadata["omics"]
    known = [feature for slot in slots for feature in slot["features"]]
    matrices = [read_omics(path, (), orientation, known) for path in paths]
    if len(matrices) != len(slots):
        raise InputError(f"the model was trained on {len(slots)} omics matrices "
                         f"({', '.join(s['source'] for s in slots)}); give {len(slots)} --omics, not {len(matrices)}")
    shared = np.array([[len(set(m.features) & set(s["features"])) for s in slots] for m in matrices])
    order = shared.argmax(1)
    for matrix, counts in zip(matrices, shared):
        if counts.max() == 0:
            raise InputError(f"{matrix.path}: shares no feature with the model's omics (e.g. "
                             f"{', '.join(slots[0]['features'][:3])}); check the feature names")
    if len(set(order)) != len(slots):
        raise InputError(f"{', '.join(m.path for m in matrices)}: more than one matches the features of the same "
                         "training matrix; give each kind of omics once")
    cell_keys = [{normalise(cell): i for i, cell in enumerate(m.cells)} for m in matrices]
    cells = [cell for cell in matrices[0].cells if all(normalise(cell) in keys for keys in cell_keys)]
    if not cells:
        raise InputError(f"no cell line is in every --omics matrix ({', '.join(m.path for m in matrices)})")
    aligned = [None] * len(slots)
    for matrix, keys, slot_index in zip(matrices, cell_keys, order):
        slot = slots[slot_index]
        column = {name: i for i, name in enumerate(matrix.features)}
        missing = [name for name in slot["features"] if name not in column]
        if missing:
            warn(f"{matrix.path}: {len(missing)} of the model's {len(slot['features'])} features are missing "
                 f"(e.g. {', '.join(missing[:3])}); they are set to the training mean")
        rows = matrix.values[[keys[normalise(cell)] for cell in cells]]
        values = np.column_stack([rows[:, column[name]] if name in column else np.full(len(cells), np.nan)
                                  for name in slot["features"]])
        aligned[slot_index] = log_transform(values, matrix.path) if metadata["log"] else values
    preprocessing = Preprocessing([Standardiser(np.arange(len(s["features"])), np.array(s["mean"]),
                                                np.array(s["scale"])) for s in slots])
    return cells, preprocessing.transform(aligned)
