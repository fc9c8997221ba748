import pickle

import numpy as np
import pandas as pd
import pysam
import pytest
import torch
from helpers import DEVICES, error_line, run_tool


def predict(*args, expect=0):
    return run_tool("predict", *args, expect=expect)


@pytest.mark.parametrize("device", DEVICES)
def test_predictions_from_a_dataset_and_from_bed_regions_agree(test_data, encoded, trained, tmp_path, device):
    predict("--model", trained, "--data", encoded, "--output", tmp_path / "a.tsv", "--device", device)
    predict("--model", trained, "--reference", test_data / "genome.fa", "--regions", test_data / "regions.bed",
            "--output", tmp_path / "b.tsv", "--device", device)
    a, b = pd.read_csv(tmp_path / "a.tsv", sep="\t"), pd.read_csv(tmp_path / "b.tsv", sep="\t")
    assert list(a.columns) == ["name", "chrom", "start", "end", "ap1_bound", "gata_ebox", "activity"]
    pd.testing.assert_frame_equal(a, b)
    assert a["ap1_bound"].between(0, 1).all() and a["gata_ebox"].between(0, 1).all()
    labels = pd.read_csv(test_data / "regions.bed", sep="\t")
    assert np.corrcoef(a["ap1_bound"], labels["ap1_bound"])[0, 1] > 0.5


def test_fasta_sequences_are_resized_to_the_model_input(test_data, trained, tmp_path):
    table = pd.read_csv(test_data / "regions.bed", sep="\t", nrows=3)
    genome = pysam.FastaFile(str(test_data / "genome.fa"))
    # The same 200-bp windows, once exact and once with 50 extra bases on each side to be cut away.
    records = [(f"w{i}", genome.fetch(row["#chrom"], row.start, row.end)) for i, row in table.iterrows()]
    records += [(f"x{i}", genome.fetch(row["#chrom"], row.start - 50, row.end + 50))
                for i, row in table.iloc[1:].iterrows()]
    (tmp_path / "seqs.fa").write_text("".join(f">{name}\n{seq}\n" for name, seq in records))
    predict("--model", trained, "--fasta", tmp_path / "seqs.fa", "--output", tmp_path / "p.tsv")
    out = pd.read_csv(tmp_path / "p.tsv", sep="\t", index_col="name")
    assert list(out.columns) == ["ap1_bound", "gata_ebox", "activity"]
    pd.testing.assert_series_equal(out.loc["w1"], out.loc["x1"], check_names=False)


def test_bedgraph_output_for_one_task(test_data, trained, tmp_path):
    args = ["--model", trained, "--reference", test_data / "genome.fa", "--regions", test_data / "regions.bed"]
    result = predict(*args, "--output", tmp_path / "p.bedgraph", expect=2)
    assert "choose one for bedGraph with --task (ap1_bound, gata_ebox, activity)" in error_line(result)
    predict(*args, "--output", tmp_path / "p.bedgraph", "--task", "activity")
    rows = [line.split("\t") for line in (tmp_path / "p.bedgraph").read_text().splitlines()]
    assert len(rows[0]) == 4 and rows[0][:3] == ["chr1", "0", "200"]
    float(rows[0][3])


def test_a_dataset_of_another_length_is_refused(test_data, trained, tmp_path):
    run_tool("encode", "--reference", test_data / "genome.fa", "--regions", test_data / "regions.bed",
             "--seq-len", 300, "--output", tmp_path / "d300.h5")
    result = predict("--model", trained, "--data", tmp_path / "d300.h5", "--output", tmp_path / "p.tsv", expect=2)
    assert "sequences are 300 bp but the model takes 200 bp" in error_line(result)
    assert not (tmp_path / "p.tsv").exists()


class Payload:
    def __reduce__(self):
        return (print, ("unpickled!",))


def test_a_model_file_carrying_a_pickle_is_refused_without_unpickling(encoded, tmp_path, capfd):
    torch.save({"weights": torch.zeros(2), "payload": Payload()}, tmp_path / "evil.safetensors")
    (tmp_path / "raw.safetensors").write_bytes(pickle.dumps(Payload()))
    for model in ("evil.safetensors", "raw.safetensors"):
        result = predict("--model", tmp_path / model, "--data", encoded, "--output", tmp_path / "p.tsv", expect=2)
        assert "not a safetensors model file" in error_line(result) and "unpickled!" not in result.stdout
    assert "unpickled!" not in capfd.readouterr().out


def test_exactly_one_input_is_needed(test_data, trained, encoded, tmp_path):
    result = predict("--model", trained, "--data", encoded, "--fasta", test_data / "genome.fa",
                     "--output", tmp_path / "p.tsv", expect=2)
    assert "exactly one input" in error_line(result)
