"""A tiny ESM-2 with random weights (seeded), saved as a downloaded one is (config.json, model.safetensors and the
tokenizer's files): the tests and the platform tests score with it through genotools-protein-impact, offline.
`python tests/tiny_esm.py test-data/tiny_esm2` writes the one in test-data (the Makefile's test-data target)."""

import sys
from pathlib import Path

import torch

ESM_VOCABULARY = ["<cls>", "<pad>", "<eos>", "<unk>", *"LAGVSERTIDPKQNFYMHWCXBUZO", ".", "-", "<null_1>", "<mask>"]


def save_tiny_esm(folder: Path, max_residues: int = 1022) -> Path:
    """A two-layer ESM-2 of width 32 reading up to `max_residues` residues at a time, written to `folder`."""
    from transformers import EsmConfig, EsmForMaskedLM, EsmTokenizer

    folder.mkdir(parents=True)
    (folder / "vocab.txt").write_text("\n".join(ESM_VOCABULARY) + "\n")
    torch.manual_seed(0)
    config = EsmConfig(vocab_size=len(ESM_VOCABULARY), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                       intermediate_size=64, max_position_embeddings=max_residues + 2,
                       position_embedding_type="rotary", token_dropout=True, pad_token_id=1, mask_token_id=32)
    EsmForMaskedLM(config).save_pretrained(folder)
    EsmTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    return folder


if __name__ == "__main__":
    save_tiny_esm(Path(sys.argv[1]))
