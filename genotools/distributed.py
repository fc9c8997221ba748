"""Training on several devices, or machines, with PyTorch's DistributedDataParallel: one process per device.

A process learns its place from the environment torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and
MASTER_PORT), or is one of the processes `spawn` starts on this machine. Processes on GPUs talk through NCCL, on CPUs
through gloo. Every process computes the same shuffled order from the same seed and trains on its own share of each
epoch; gradients are averaged over them at every step, so that N processes with batches of B / N windows learn as
one process with batches of B.
"""

import os
import socket
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from genotools.errors import InputError


@dataclass(frozen=True)
class Ranks:
    rank: int  # this process, 0 ... world - 1; rank 0 writes the outputs
    world: int  # processes in all
    local_rank: int  # this process among those on its machine: its GPU
    local_world: int  # processes on its machine, which share its CPU threads

    @property
    def writes(self) -> bool:
        return self.rank == 0


SINGLE = Ranks(0, 1, 0, 1)


def from_environment() -> Ranks:
    """This process's place as torchrun set it, or SINGLE when it runs alone."""
    if "RANK" not in os.environ:
        return SINGLE
    world = int(os.environ["WORLD_SIZE"])
    return Ranks(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", 0)),
                 int(os.environ.get("LOCAL_WORLD_SIZE", world)))


def start(ranks: Ranks, device: torch.device) -> None:
    """Join the process group (from MASTER_ADDR and MASTER_PORT) of a run over more than one process."""
    if ranks.world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", rank=ranks.rank, world_size=ranks.world)


def stop(ranks: Ranks) -> None:
    if ranks.world > 1:
        dist.destroy_process_group()


def total(values: torch.Tensor, ranks: Ranks) -> torch.Tensor:
    """`values` summed over every process."""
    if ranks.world > 1:
        dist.all_reduce(values)
    return values


def spawn(function, arguments: tuple, processes: int) -> None:
    """Run function(*arguments) in `processes` processes on this machine, each knowing its place from the
    environment as under torchrun. An InputError in any of them is raised here, with its message."""
    with socket.socket() as probe:  # a free port for the processes to meet on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = mp.get_context("spawn")
    errors = context.SimpleQueue()
    workers = [context.Process(target=_run, args=(function, arguments, Ranks(rank, processes, rank, processes), port,
                                                  errors))
               for rank in range(processes)]
    for worker in workers:
        worker.start()
    while alive := [worker for worker in workers if worker.is_alive()]:
        wait([worker.sentinel for worker in alive])  # until one of them ends
        if any(worker.exitcode for worker in workers):  # the others would wait for it forever
            for worker in workers:
                worker.terminate()
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    for kind, message in failures:
        if kind == "input":
            raise InputError(message)
    if failures or any(worker.exitcode for worker in workers):
        raise RuntimeError("a training process failed:\n" + "\n".join(message for _, message in failures))


def _run(function, arguments, ranks, port, errors):
    os.environ.update(RANK=str(ranks.rank), WORLD_SIZE=str(ranks.world), LOCAL_RANK=str(ranks.local_rank),
                      LOCAL_WORLD_SIZE=str(ranks.local_world), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    try:
        function(*arguments)
    except InputError as error:
        errors.put(("input", str(error)))
        raise SystemExit(2) from None
    except BaseException:
        errors.put(("crash", traceback.format_exc()))
        raise SystemExit(1) from None
