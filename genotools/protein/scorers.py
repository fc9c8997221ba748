"""Scorers of protein changes behind one interface: each scores single substitutions of a sequence relative to
its wild type (0 for the wild type itself; lower means more likely damaging); a change of several substitutions
scores their sum, as masked-marginal scoring adds them (Meier et al. 2021).

- `blosum62`: the BLOSUM62 substitution score less the wild type's own (Henikoff & Henikoff 1992): how much rarer
  the substitution is among related proteins than keeping the residue.
- `position`: minus the distance, in residues, to the nearer terminus: changes deep in a protein do more harm than
  at its ends. It knows nothing of the residues or of conservation: the bar for any model.
- `esm`: a protein language model (ESM-2, ESM-1v) read with Hugging Face transformers, from safetensors only:
  log p(mutant) - log p(wild type) at the position, with the position masked (masked marginal) or not (wild-type
  marginal).
- `unirep`: UniRep (genotools.protein.unirep), a left-to-right model: log p(mutant sequence) - log p(wild type).
- `table`: a user's precomputed scores, such as AlphaMissense's (genotools.protein.table), as the table has them.
"""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from genotools.errors import InputError
from genotools.protein.changes import AMINO_ACIDS, Substitution
from genotools.runtime import autocast

_BLOSUM62_ORDER = "ARNDCQEGHILKMFPSTWYV"
_BLOSUM62_ROWS = """
 4 -1 -2 -2  0 -1 -1  0 -2 -1 -1 -1 -1 -2 -1  1  0 -3 -2  0
-1  5  0 -2 -3  1  0 -2  0 -3 -2  2 -1 -3 -2 -1 -1 -3 -2 -3
-2  0  6  1 -3  0  0  0  1 -3 -3  0 -2 -3 -2  1  0 -4 -2 -3
-2 -2  1  6 -3  0  2 -1 -1 -3 -4 -1 -3 -3 -1  0 -1 -4 -3 -3
 0 -3 -3 -3  9 -3 -4 -3 -3 -1 -1 -3 -1 -2 -3 -1 -1 -2 -2 -1
-1  1  0  0 -3  5  2 -2  0 -3 -2  1  0 -3 -1  0 -1 -2 -1 -2
-1  0  0  2 -4  2  5 -2  0 -3 -3  1 -2 -3 -1  0 -1 -3 -2 -2
 0 -2  0 -1 -3 -2 -2  6 -2 -4 -4 -2 -3 -3 -2  0 -2 -2 -3 -3
-2  0  1 -1 -3  0  0 -2  8 -3 -3 -1 -2 -1 -2 -1 -2 -2  2 -3
-1 -3 -3 -3 -1 -3 -3 -4 -3  4  2 -3  1  0 -3 -2 -1 -3 -1  3
-1 -2 -3 -4 -1 -2 -3 -4 -3  2  4 -2  2  0 -3 -2 -1 -2 -1  1
-1  2  0 -1 -3  1  1 -2 -1 -3 -2  5 -1 -3 -1  0 -1 -3 -2 -2
-1 -1 -2 -3 -1  0 -2 -3 -2  1  2 -1  5  0 -2 -1 -1 -1 -1  1
-2 -3 -3 -3 -2 -3 -3 -3 -1  0  0 -3  0  6 -4 -2 -2  1  3 -1
-1 -2 -2 -1 -3 -1 -1 -2 -2 -3 -3 -1 -2 -4  7 -1 -1 -4 -3 -2
 1 -1  1  0 -1  0  0  0 -1 -2 -2  0 -1 -2 -1  4  1 -3 -2 -2
 0 -1  0 -1 -1 -1 -1 -2 -2 -1 -1 -1 -1 -2 -1  1  5 -2 -2  0
-3 -3 -4 -4 -2 -2 -3 -2 -2 -3 -2 -3 -1  1 -4 -3 -2 11  2 -3
-2 -2 -2 -3 -2 -1 -2 -3  2 -1 -1 -2 -1  3 -3 -2 -2  2  7 -1
 0 -3 -3 -3 -1 -2 -2 -3 -3  3  1 -2  1 -1 -2 -2  0 -3 -1  4
"""
_order = [_BLOSUM62_ORDER.index(a) for a in AMINO_ACIDS]
BLOSUM62 = np.array(_BLOSUM62_ROWS.split(), dtype=np.float32).reshape(20, 20)[np.ix_(_order, _order)]  # AMINO_ACIDS


def blosum62(sequence: str, substitutions: list[Substitution]) -> np.ndarray:
    rows = [AMINO_ACIDS.index(s.wild_type) for s in substitutions]
    return np.array([BLOSUM62[row, AMINO_ACIDS.index(s.mutant)] - BLOSUM62[row, row]
                     for row, s in zip(rows, substitutions)])


def position(sequence: str, substitutions: list[Substitution]) -> np.ndarray:
    return np.array([-float(min(s.position - 1, len(sequence) - s.position)) for s in substitutions])


class LanguageModel:
    """A masked protein language model from a local folder (config.json, model.safetensors and the tokenizer's
    files) or, where the machine is online, a Hugging Face hub name; never a pickled checkpoint."""

    def __init__(self, model: str, method: str, device: torch.device, batch_size: int, precision: str) -> None:
        import transformers  # heavy: imported only when a language model scores

        folder = Path(model)
        if folder.exists() and not (folder.is_dir() and (folder / "config.json").is_file()
                                    and (folder / "model.safetensors").is_file()):
            raise InputError(f"--model {model}: not a model folder with config.json and model.safetensors (as "
                             "save_pretrained writes them)")
        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(model)
            self.model = transformers.AutoModelForMaskedLM.from_pretrained(model, use_safetensors=True)
        except (OSError, ValueError) as error:
            raise InputError(f"--model {model}: cannot load a masked protein language model from safetensors "
                             f"({error})") from None
        self.model.to(device).eval()
        self.method, self.device, self.batch_size, self.precision = method, device, batch_size, precision
        self.columns = torch.tensor(self.tokenizer.convert_tokens_to_ids(list(AMINO_ACIDS)), device=device)
        if (self.columns == self.tokenizer.unk_token_id).any():
            raise InputError(f"--model {model}: its vocabulary lacks amino acids; is it a protein language model?")
        # ESM was trained on crops of 1,022 residues (1,024 tokens with the start and end tokens)
        self.context = min(1022, self.model.config.max_position_embeddings - 2)

    def _log_probs(self, tokens: torch.Tensor) -> torch.Tensor:
        """Log-probabilities of the 20 amino acids at every position of every token row."""
        with torch.no_grad(), autocast(self.device, self.precision):
            logits = self.model(input_ids=tokens.to(self.device)).logits
        return logits.float()[..., self.columns].log_softmax(-1)

    def _window(self, length: int, position: int) -> tuple[int, int]:
        """The residues [start, end) of the context around a 1-based position: the whole protein when it fits,
        else `context` residues centred on the position, moved inside the protein."""
        if length <= self.context:
            return 0, length
        start = min(max(0, position - 1 - self.context // 2), length - self.context)
        return start, start + self.context

    def __call__(self, sequence: str, substitutions: list[Substitution]) -> np.ndarray:
        positions = sorted({s.position for s in substitutions})
        ids = self.tokenizer(sequence, add_special_tokens=False)["input_ids"]
        cls, eos = self.tokenizer.cls_token_id, self.tokenizer.eos_token_id
        scores = {}  # position -> log-probabilities of the 20 amino acids there
        if self.method == "wt-marginal":
            positions_by_window = {}
            for p in positions:
                positions_by_window.setdefault(self._window(len(ids), p), []).append(p)
            for (start, end), members in positions_by_window.items():
                log_probs = self._log_probs(torch.tensor([[cls, *ids[start:end], eos]]))[0]
                for p in members:
                    scores[p] = log_probs[p - start].cpu().numpy()  # token p - start: residue p after the start token
        else:
            for first in range(0, len(positions), self.batch_size):  # one masked copy per position
                batch = positions[first:first + self.batch_size]
                rows, offsets = [], []
                for p in batch:
                    start, end = self._window(len(ids), p)
                    rows.append([cls, *ids[start:end], eos])  # as long as every other row: the protein, or context
                    offsets.append(p - start)
                    rows[-1][offsets[-1]] = self.tokenizer.mask_token_id
                log_probs = self._log_probs(torch.tensor(rows))
                scores.update((p, log_probs[i, offset].cpu().numpy()) for i, (p, offset) in
                              enumerate(zip(batch, offsets)))
        return np.array([scores[s.position][AMINO_ACIDS.index(s.mutant)] - scores[s.position][AMINO_ACIDS.index(
            s.wild_type)] for s in substitutions])


SCORERS = ("esm", "unirep", "table", "blosum62", "position")


def score_changes(scorer: Callable[[str, list[Substitution]], np.ndarray], sequence: str,
                  changes: list[tuple[Substitution, ...]]) -> np.ndarray:
    """One score per change: the sum of its substitutions' scores (0 for the wild type's own residue), each distinct
    substitution scored once."""
    substitutions = sorted({s for change in changes for s in change if s.mutant != s.wild_type},
                           key=lambda s: (s.position, s.mutant))
    scores = dict(zip(substitutions, scorer(sequence, substitutions))) if substitutions else {}
    return np.array([sum(float(scores.get(s, 0.0)) for s in change) for change in changes], dtype=np.float64)
