"""Where and how computation runs: device choice, threads, seeds, mixed precision."""

import contextlib
import os
import random

import numpy as np
import torch

from genotools.errors import InputError

PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(spec: str) -> torch.device:
    """A torch.device for 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; 'auto' takes CUDA, then MPS, then the CPU."""
    if spec == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(spec)
    except RuntimeError:
        raise InputError(f"--device {spec!r} is not a device; use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"--device {spec}: no CUDA GPU is available here; use --device cpu or auto")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise InputError(f"--device {spec}: only {torch.cuda.device_count()} CUDA device(s) are visible")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise InputError(f"--device {spec}: MPS is not available here; use --device cpu or auto")
    if device.type not in ("cpu", "cuda", "mps"):
        raise InputError(f"--device {spec!r} is not supported; use auto, cpu, cuda, cuda:N or mps")
    return device


def configure(threads: int, seed: int) -> None:
    """Set the CPU thread count (0 leaves PyTorch's default), seed every random generator, and make GPU kernels
    deterministic, so that a seed gives the same model on a GPU as it does on the CPU."""
    if threads:
        torch.set_num_threads(threads)
    seed_everything(seed)
    # cuBLAS reads this when it starts; without it, deterministic mode refuses its matrix products
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """Mixed-precision context for `precision` ('fp32' runs without autocast)."""
    if precision not in PRECISIONS:
        raise InputError(f"--precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=PRECISIONS[precision])
