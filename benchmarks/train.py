"""Training throughput of `genotools-train` beside a bare PyTorch loop over the same tensors already in memory.

The tool's figures are its own, recorded per epoch in metrics.json: sequences per second of its training loop
(batches gathered from the uint8 store, cast, reverse-complement augmented, masked multi-task loss), and of
whole epochs (the loop plus the validation pass). The bare loop runs the same model, optimiser and batch size
over the same training sequences, already float32 in memory, with nothing else. Start-up and the final
evaluation are costs per run, not per sequence, and are left out of both.

Run: .venv/bin/python benchmarks/train.py [--epochs 3] [--arch danq]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from genotools.io.hdf5 import read_dataset
from genotools.sequence.models import build_model
from genotools.sequence.training import TrainConfig, sized_for, split_dataset

TEST_DATA = Path(__file__).resolve().parent.parent / "test-data"


def bare_loop(data, train_index, arch, epochs, batch_size):
    x = torch.from_numpy(data.onehot[train_index]).float()
    y = torch.nan_to_num(torch.from_numpy(data.labels[train_index]))
    model, _ = build_model(arch, data.seq_len, y.shape[1])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    start = time.perf_counter()
    for _ in range(epochs):
        for batch in torch.randperm(len(x)).split(batch_size):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[batch]), y[batch].clamp(0, 1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return epochs * len(x) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--arch", default=TrainConfig.arch)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as workdir:
        data_path, model_path = Path(workdir) / "data.h5", Path(workdir) / "model.safetensors"
        subprocess.run([bin_dir / "genotools-encode", "--reference", TEST_DATA / "genome.fa", "--regions",
                        TEST_DATA / "regions.bed", "--output", data_path, "--quiet"], check=True)
        data = read_dataset(data_path)
        defaults = TrainConfig()
        train_index = split_dataset(data, defaults.valid_chroms, defaults.test_chroms, defaults.seed)["train"]
        config = sized_for(defaults, len(train_index))
        bare = bare_loop(data, train_index, args.arch, args.epochs, config.batch_size)
        subprocess.run([bin_dir / "genotools-train", "--data", data_path, "--output", model_path, "--arch", args.arch,
                        "--epochs", str(args.epochs), "--patience", str(args.epochs), "--device", "cpu", "--quiet"],
                       check=True)
        history = json.loads(model_path.with_suffix(".metrics.json").read_text())["history"]
    trained = len(history) * len(train_index)
    loop = trained / sum(record["train_seconds"] for record in history)
    epochs = trained / sum(record["seconds"] for record in history)
    print(f"training throughput, {args.arch}, {len(train_index)} sequences x {args.epochs} epochs, "
          f"{torch.get_num_threads()} threads: bare PyTorch loop {bare:.0f} seq/s   "
          f"genotools-train loop {loop:.0f} seq/s (ratio {loop / bare:.2f})   "
          f"with validation {epochs:.0f} seq/s (ratio {epochs / bare:.2f})")


if __name__ == "__main__":
    main()
