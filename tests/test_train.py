import json
import os
import pty
import subprocess
import sys

import pytest
import torch
from helpers import DEVICES, SMALL_MODEL, error_line, kill_when_checkpointed, run_tool, script
from safetensors.torch import load_file

from genotools.checkpoint import read_metadata
from genotools.sequence.training import TrainConfig, sized_for


def train(*args, expect=0):
    return run_tool("train", *args, expect=expect)


def test_training_writes_model_metrics_and_learning_curves(encoded, trained):
    metadata = read_metadata(trained)
    assert metadata["architecture"] == "danq" and metadata["seq_len"] == 200 and metadata["alphabet"] == "ACGT"
    assert metadata["task_names"] == ["ap1_bound", "gata_ebox", "activity"]
    assert metadata["task_types"] == ["binary", "binary", "regression"]
    assert metadata["hyperparameters"]["channels"] == 32 and metadata["hyperparameters"]["kernel_size"] == 19
    assert metadata["kmer_fallback"] == [[6, 0], [6, 1], [6, 2]]
    # 6,293 training windows: the automatic batch size and patience are their largest and smallest
    assert metadata["training"]["batch_size"] == 64 and metadata["training"]["patience"] == 15
    metrics = json.loads(trained.with_suffix(".metrics.json").read_text())
    assert metrics["sequences"]["valid"] > 0 and metrics["sequences"]["test"] > 0
    assert set(metrics["test"]["ap1_bound"]) == {"n", "positives", "auroc", "auprc"}
    assert set(metrics["test"]["activity"]) == {"n", "pearson", "spearman"}
    assert metrics["test"]["ap1_bound"]["auroc"] > 0.8  # AP-1 sites are learnt within a few epochs
    assert len(metrics["history"]) == metrics["epochs_run"] == 8
    baseline = metrics["baseline"]
    assert set(baseline["penalty"]) == set(baseline["test"]) == {"ap1_bound", "gata_ebox", "activity"}
    assert baseline["test"]["ap1_bound"]["auroc"] > 0.95  # AP-1's site TGASTCA is all in its k-mers
    assert baseline["valid"]["activity"]["n"] == metrics["valid"]["activity"]["n"]
    png = trained.with_suffix(".learning_curves.png").read_bytes()
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("arch", ["basset", "dilated", "cnn"])
def test_every_other_architecture_trains_and_saves_without_the_kmer_fallback(encoded, tmp_path, arch, device):
    params = {"basset": ["--param", "channels=[16,16,16]", "--param", "hidden=16"],
              "dilated": ["--param", "channels=16", "--param", "blocks=2"], "cnn": ["--param", "channels=16"]}[arch]
    train("--data", encoded, "--output", tmp_path / "m.safetensors", "--arch", arch, "--epochs", 1,
          "--device", device, "--no-kmer-fallback", "--no-baseline", *params)
    metadata = read_metadata(tmp_path / "m.safetensors")
    assert metadata["architecture"] == arch and metadata["kmer_fallback"] is None
    assert not {"baseline", "kmer_fallback"} & set(json.loads((tmp_path / "m.metrics.json").read_text()))


def test_tasks_the_network_validates_worse_on_fall_back_on_the_kmer_baseline(encoded, tmp_path):
    # With a learning rate of 0 the network stays untrained: every task falls back on the k-mer model.
    train("--data", encoded, "--output", tmp_path / "m.safetensors", "--epochs", 1, "--lr", 0, *SMALL_MODEL)
    metrics = json.loads((tmp_path / "m.metrics.json").read_text())
    assert metrics["kmer_fallback"] == ["ap1_bound", "gata_ebox", "activity"]
    for task, values in metrics["test"].items():
        for key in ("auroc", "auprc", "pearson", "spearman"):
            assert values.get(key) == pytest.approx(metrics["baseline"]["test"][task].get(key), abs=1e-3)


@pytest.mark.parametrize("windows, batch_size, patience", [(200, 16, 150), (800, 16, 38), (2_000, 40, 15),
                                                             (8_000, 64, 15), (1_000_000, 64, 15)])
def test_small_datasets_train_in_smaller_batches_with_patience_counted_in_windows(windows, batch_size, patience):
    assert sized_for(TrainConfig(), windows) == TrainConfig(batch_size=batch_size, patience=patience)
    assert sized_for(TrainConfig(batch_size=8, patience=3), windows) == TrainConfig(batch_size=8, patience=3)


@pytest.mark.parametrize("device", DEVICES)
def test_the_same_seed_gives_the_same_model(encoded, tmp_path, device):
    for name in ("a", "b"):
        train("--data", encoded, "--output", tmp_path / f"{name}.safetensors", "--epochs", 2, "--threads", 1,
              "--device", device, "--no-kmer-fallback", "--no-baseline", *SMALL_MODEL)
    a, b = load_file(tmp_path / "a.safetensors"), load_file(tmp_path / "b.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("device", DEVICES)
def test_a_dataset_is_loaded_when_it_fits_and_streamed_with_a_seed_when_asked(encoded, tmp_path, device):
    runs = {"auto": "auto", "memory": "memory", "stream": "stream", "again": "stream"}
    for name, loading in runs.items():
        train("--data", encoded, "--epochs", 1, "--threads", 1, "--device", device, "--no-kmer-fallback",
              "--no-baseline", *SMALL_MODEL, "--loading", loading, "--output", tmp_path / f"{name}.safetensors")
    auto, memory, stream, again = (load_file(tmp_path / f"{name}.safetensors") for name in runs)
    assert all(torch.equal(auto[k], memory[k]) for k in auto)  # a dataset this small is loaded
    assert all(torch.equal(stream[k], again[k]) for k in stream)
    assert not all(torch.equal(stream[k], memory[k]) for k in stream)  # another order of the same windows


def test_a_streamed_dataset_learns_as_one_in_memory(encoded, trained, tmp_path):
    train("--data", encoded, "--output", tmp_path / "m.safetensors", "--epochs", 8, "--device", "cpu",
          "--loading", "stream", *SMALL_MODEL)
    streamed, loaded = (json.loads(path.with_suffix(".metrics.json").read_text())
                        for path in (tmp_path / "m.safetensors", trained))
    assert streamed["test"]["ap1_bound"]["auroc"] > 0.8
    # the same windows in another order: a curve of the same shape (a plateau, then a fall), not the same numbers
    best = [min(record["valid_loss"] for record in metrics["history"]) for metrics in (streamed, loaded)]
    assert best[0] == pytest.approx(best[1], rel=0.1) and best[0] < 0.8 * streamed["history"][0]["valid_loss"]


def test_two_processes_learn_as_one(encoded, tmp_path):
    # Without dropout or random strand flips, two processes with half of each batch take the same steps as one,
    # up to rounding (and the last, odd-sized batch): 99 steps leave the weights (up to 0.27) within 0.002.
    options = ["--data", encoded, "--epochs", 1, "--threads", 2, "--device", "cpu", "--no-kmer-fallback",
               "--no-baseline", "--no-reverse-complement", *SMALL_MODEL, "--param", "dropout=0", "--param",
               "positional_dropout=0"]
    for devices in (1, 2):
        train(*options, "--devices", devices, "--output", tmp_path / f"{devices}.safetensors")
    one, two = (load_file(tmp_path / f"{devices}.safetensors") for devices in (1, 2))
    assert all(torch.allclose(one[k], two[k], atol=2e-3) for k in one)
    curves = [[record["valid_loss"] for record in json.loads(
        (tmp_path / f"{devices}.metrics.json").read_text())["history"]] for devices in (1, 2)]
    assert curves[1] == pytest.approx(curves[0], rel=1e-3)


def test_under_torchrun_the_processes_train_as_devices_does(encoded, tmp_path):
    options = ["--data", encoded, "--epochs", 1, "--threads", 2, "--device", "cpu", "--no-kmer-fallback",
               "--no-baseline", *SMALL_MODEL, "--quiet"]
    train(*options, "--devices", 2, "--output", tmp_path / "devices.safetensors")
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                    script("genotools-train"), *map(str, options), "--output", tmp_path / "torchrun.safetensors"],
                   check=True, timeout=1800)  # only a hang guard
    devices, torchrun = (load_file(tmp_path / f"{name}.safetensors") for name in ("devices", "torchrun"))
    assert all(torch.equal(devices[k], torchrun[k]) for k in devices)
    result = subprocess.run([script("genotools-train"), *map(str, options), "--devices", "2", "--output",
                             tmp_path / "m.safetensors"], env={**os.environ, "RANK": "0", "WORLD_SIZE": "2"},
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 2 and result.stderr.strip() == (
        "genotools-train: error: --devices starts its own processes; under torchrun, leave it out (torchrun's "
        "--nproc-per-node sets the processes)")


def test_an_input_error_in_the_processes_is_one_line(tmp_path):
    (tmp_path / "seqs.fa").write_text(">a\nACGT\n>b\nACGT\n")
    run_tool("encode", "--fasta", tmp_path / "seqs.fa", "--output", tmp_path / "d.h5")
    result = train("--data", tmp_path / "d.h5", "--devices", 2, "--device", "cpu", "--output",
                   tmp_path / "m.safetensors", expect=2)
    assert error_line(result).startswith("genotools-train: error: the dataset has no labels")
    assert not (tmp_path / "m.safetensors").exists()


@pytest.mark.skipif("cuda" not in DEVICES, reason="needs a CUDA GPU")
def test_bf16_training_runs_on_the_gpu(encoded, tmp_path):
    train("--data", encoded, "--output", tmp_path / "m.safetensors", "--epochs", 1, "--device", "cuda",
          "--precision", "bf16", "--no-baseline", *SMALL_MODEL)
    assert read_metadata(tmp_path / "m.safetensors")["training"]["precision"] == "bf16"




def test_a_killed_run_resumes_to_the_same_model_as_an_unbroken_run(encoded, tmp_path):
    options = ["--data", encoded, "--epochs", 4, "--threads", 1, "--device", "cpu", "--patience", 10,
               "--no-kmer-fallback", "--no-baseline", *SMALL_MODEL, "--quiet"]
    train(*options, "--output", tmp_path / "unbroken.safetensors")

    killed, checkpoint = tmp_path / "killed.safetensors", tmp_path / "killed.checkpoint.safetensors"
    epoch = kill_when_checkpointed([script("genotools-train"), *options, "--output", killed], checkpoint, "epoch", 1)
    assert not killed.exists() and 1 <= epoch < 4

    train(*options, "--output", killed, "--resume", checkpoint)
    unbroken, resumed = load_file(tmp_path / "unbroken.safetensors"), load_file(killed)
    assert all(torch.equal(unbroken[k], resumed[k]) for k in unbroken)
    histories = [[{k: v for k, v in record.items() if not k.endswith("seconds")}
                  for record in json.loads(p.with_suffix(".metrics.json").read_text())["history"]]
                 for p in (tmp_path / "unbroken.safetensors", killed)]
    assert histories[0] == histories[1]


def test_resuming_with_other_options_is_refused(encoded, tmp_path):
    train("--data", encoded, "--output", tmp_path / "m.safetensors", "--epochs", 1, "--no-kmer-fallback",
          "--no-baseline", *SMALL_MODEL)
    result = train("--data", encoded, "--output", tmp_path / "m2.safetensors", "--epochs", 1, "--lr", 0.01,
                   "--resume", tmp_path / "m.checkpoint.safetensors", "--no-kmer-fallback", *SMALL_MODEL, expect=2)
    assert "other training options" in error_line(result)


@pytest.mark.parametrize("args, message", [
    (["--arch", "transformer"], "unknown architecture 'transformer'; choose one of basset, danq, dilated, cnn"),
    (["--param", "depth=3"], "architecture 'danq' has no hyperparameter depth"),
    (["--param", "channels=[8,8]"], "hyperparameter channels of 'danq' takes values like 128, not [8, 8]"),
    (["--arch", "basset", "--param", "channels=[8,8]"], "takes values like [128, 128, 128], not [8, 8]"),
    (["--param", "dropout"], "expected KEY=VALUE"),
    (["--valid-chroms", "chr22"], "no sequences on the valid chromosomes chr22"),
    (["--valid-chroms", "chr8", "--test-chroms", "8"], "share a chromosome"),
    (["--device", "cuda:7"], "--device cuda:7"),
    (["--device", "tpu"], "--device 'tpu'"),
    (["--precision", "fp8"], "--precision 'fp8'"),
])
def test_bad_options_get_one_clear_line_and_no_output(encoded, tmp_path, args, message):
    result = train("--data", encoded, "--output", tmp_path / "m.safetensors", "--epochs", 1, *args, expect=2)
    assert message in error_line(result)
    assert not (tmp_path / "m.safetensors").exists()


def test_a_dataset_without_labels_is_refused(tmp_path):
    (tmp_path / "seqs.fa").write_text(">a\nACGT\n>b\nACGT\n")
    run_tool("encode", "--fasta", tmp_path / "seqs.fa", "--output", tmp_path / "d.h5")
    result = train("--data", tmp_path / "d.h5", "--output", tmp_path / "m.safetensors", expect=2)
    assert "the dataset has no labels" in error_line(result)


def test_a_file_that_is_not_a_dataset_is_refused(test_data, tmp_path):
    result = train("--data", test_data / "regions.bed", "--output", tmp_path / "m.safetensors", expect=2)
    assert "cannot read as HDF5" in error_line(result)


def _read_terminal(fd):
    try:
        return os.read(fd, 65536)
    except OSError:  # Linux reports a closed terminal as EIO
        return b""


def test_a_terminal_sees_a_progress_bar_with_loss_and_throughput(encoded, tmp_path):
    main, terminal = pty.openpty()
    command = [script("genotools-train"), "--data", str(encoded), "--output", str(tmp_path / "m.safetensors"),
               "--epochs", "1", "--no-kmer-fallback", *SMALL_MODEL]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal,
                               env={**os.environ, "COLUMNS": "150"})
    os.close(terminal)
    shown = b""
    while chunk := _read_terminal(main):
        shown += chunk
    os.close(main)
    assert process.wait() == 0, shown.decode(errors="replace")
    screen = shown.decode(errors="replace")
    assert "epoch 1" in screen and "seq/s" in screen and "loss 0." in screen
