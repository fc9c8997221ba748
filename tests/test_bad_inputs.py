"""Bad input and faults across the tools, through their real command lines: one line on stderr naming the file
and what to do, exit code 2, and no output (nor any temporary file) left behind. Cases of one tool's own tables
live in its test file (test_associate.py, test_drug_response.py, ...)."""

import gzip
import itertools
import json
import shutil
import struct
import subprocess

import h5py
import numpy as np
import pysam
import pytest
from helpers import TEST_DATA, error_line, run_tool, script, temporary_files

from genotools.io.hdf5 import read_dataset

VCF_READERS = {  # tool and arguments that read the VCF `{vcf}`, writing into `{out}`
    "score-variants": ["--model", TEST_DATA / "small.safetensors", "--reference", TEST_DATA / "genome.fa",
                       "--vcf", "{vcf}", "--output", "{out}/scored.vcf.gz"],
    "interpret": ["--model", TEST_DATA / "small.safetensors", "--reference", TEST_DATA / "genome.fa",
                  "--task", "gata_ebox", "--vcf", "{vcf}", "--output", "{out}/attributions.tsv"],
    "qc": ["--vcf", "{vcf}", "--summary", "{out}/qc.json", "--report", "{out}/qc.html", "--quiet"],
    "associate": ["scan", "--phenotypes", TEST_DATA / "cohort_phenotypes.tsv", "--phenotype", "status",
                  "--vcf", "{vcf}", "--output-dir", "{out}/scan"],
}


def filled(arguments, **values):
    return [str(a).format(**values) for a in arguments]


def outputs(folder):
    return sorted(path.name for path in folder.iterdir())


@pytest.mark.parametrize("tool", VCF_READERS)
def test_a_plain_gzip_vcf_is_refused_with_the_bgzip_command_by_every_tool_that_reads_vcf(tool, tmp_path):
    vcf = tmp_path / "calls.vcf.gz"
    source = TEST_DATA / ("cohort.vcf.gz" if tool == "associate" else "variants.vcf")
    with pysam.BGZFile(str(source)) if source.suffix == ".gz" else open(source, "rb") as plain, \
            gzip.open(vcf, "wb") as packed:
        shutil.copyfileobj(plain, packed)
    out = tmp_path / "out"
    out.mkdir()
    result = run_tool(tool, *filled(VCF_READERS[tool], vcf=vcf, out=out), expect=2)
    assert error_line(result).endswith(
        f"error: {vcf}: VCF compressed with plain gzip, which htslib cannot index or seek; recompress it with bgzip: "
        f"gunzip {vcf} && bgzip {tmp_path}/calls.vcf")
    assert outputs(out) == []
    # the command given works, and the tool then reads the file
    subprocess.run(f"gunzip {vcf} && bgzip {tmp_path}/calls.vcf", shell=True, check=True)
    assert pysam.VariantFile(str(vcf)).header.contigs


def test_fasta_records_of_the_same_name_are_refused(tmp_path):
    fasta = tmp_path / "seqs.fa"
    fasta.write_text(">a\nACGT\n>b\nACGG\n>a\nTTTT\n")
    result = run_tool("encode", "--fasta", fasta, "--output", tmp_path / "data.h5", expect=2)
    assert error_line(result) == (f"genotools-encode: error: {fasta}: records 1 and 3 are both named 'a'; give each "
                                  "sequence its own name (the first word of its '>' line)")
    assert outputs(tmp_path) == ["seqs.fa"]


def test_a_region_starting_past_its_contigs_end_is_refused_by_line(tmp_path):
    regions = tmp_path / "regions.bed"
    regions.write_text("chr1\t100\t300\tin\nchr1\t89900\t90100\tover_the_end\nchr2\t90000\t90200\tpast\n")
    result = run_tool("encode", "--reference", TEST_DATA / "genome.fa", "--regions", regions,
                      "--output", tmp_path / "data.h5", expect=2)
    assert error_line(result) == (f"genotools-encode: error: {regions}: line 3: the region starts at 90,000, past "
                                  "the end of chr2 (90,000 bp in the reference); is the BED for another assembly?")
    regions.write_text("chr1\t100\t300\tin\nchr1\t89900\t90100\tover_the_end\n")  # the window is padded with N
    run_tool("encode", "--reference", TEST_DATA / "genome.fa", "--regions", regions, "--output", tmp_path / "data.h5")
    with h5py.File(tmp_path / "data.h5") as store:
        assert store["onehot"][1, 100:].sum() == 0 and store["onehot"][1, :100].sum() == 100


@pytest.mark.parametrize("param, message", [
    ("dropout=30", "hyperparameter dropout of 'danq' must be at least 0 and below 1, not 30"),
    ("dropout=-0.1", "hyperparameter dropout of 'danq' must be at least 0 and below 1, not -0.1"),
    ("positional_dropout=1", "hyperparameter positional_dropout of 'danq' must be at least 0 and below 1, not 1"),
    ("channels=0", "hyperparameter channels of 'danq' must be at least 1, not 0"),
    ("lstm_hidden=-4", "hyperparameter lstm_hidden of 'danq' must be at least 1, not -4"),
])
def test_hyperparameters_out_of_range_are_refused(param, message, tmp_path):
    result = run_tool("train", "--data", TEST_DATA / "small.h5", "--param", param, "--output",
                      tmp_path / "model.safetensors", expect=2)
    assert error_line(result) == f"genotools-train: error: {message}"
    assert outputs(tmp_path) == []


def test_htslibs_own_messages_do_not_reach_the_user(tmp_path):
    binary = tmp_path / "genome.fa"
    binary.write_bytes(bytes(range(256)) * 64)
    result = subprocess.run([script("genotools-qc"), "--reference", binary, "--summary", tmp_path / "qc.json",
                             "--report", tmp_path / "qc.html", "--quiet"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == f"genotools-qc: error: {binary}: not a FASTA file (the first character must be '>')\n"
    vcf = tmp_path / "calls.vcf"  # htslib warns of the undeclared INFO field; the tool reads on quietly
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=90000>\n"
                   "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t100\t.\tA\tG\t.\t.\tUNDECLARED=1\n")
    result = subprocess.run([script("genotools-qc"), "--vcf", vcf, "--summary", tmp_path / "qc.json",
                             "--report", tmp_path / "qc.html", "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""


# Hostile files: refused from their headers, in bounded time and memory


def safetensors_file(path, header, payload=b""):
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + payload)
    return path


@pytest.mark.parametrize("name, header, payload, message", [
    ("malformed.safetensors", {"__metadata__": {"genotools": "{not json"}}, b"",
     "its genotools metadata is not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 "
     "(char 1)); the file is damaged: train or download it again"),
    ("list.safetensors", {"__metadata__": {"genotools": "[1, 2]"}}, b"",
     "its genotools metadata is not a JSON object; the file is damaged: train or download it again"),
    ("huge.safetensors", {"__metadata__": {"genotools": "x" * 200_000_000}}, b"",
     "not a safetensors model file (Error while deserializing header: header too large); genotools never loads "
     "pickled models"),
    ("short.safetensors", {"__metadata__": {"genotools": "{}"},
                           "w": {"dtype": "F32", "shape": [10**9], "data_offsets": [0, 4 * 10**9]}}, b"\0" * 4,
     "not a safetensors model file (Error while deserializing header: incomplete metadata, file not fully "
     "covered); genotools never loads pickled models"),
])
def test_hostile_model_files_are_refused_in_one_line(name, header, payload, message, tmp_path):
    model = safetensors_file(tmp_path / name, header, payload)
    result = run_tool("predict", "--model", model, "--data", TEST_DATA / "small.h5", "--output",
                      tmp_path / "predictions.tsv", expect=2)
    assert error_line(result) == f"genotools-predict: error: {model}: {message}"
    assert not (tmp_path / "predictions.tsv").exists()


def test_a_safetensors_header_claiming_more_than_the_file_is_refused(tmp_path):
    model = tmp_path / "liar.safetensors"
    model.write_bytes(struct.pack("<Q", 10**12) + b"{}")
    result = run_tool("predict", "--model", model, "--data", TEST_DATA / "small.h5", "--output",
                      tmp_path / "predictions.tsv", expect=2)
    assert "header too large" in error_line(result)


def test_hdf5_stores_with_absurd_or_inconsistent_shapes_are_refused_before_reading(tmp_path):
    absurd = tmp_path / "absurd.h5"
    with h5py.File(absurd, "w") as store:  # declared, never written: the file stays a few kilobytes
        store.create_dataset("onehot", shape=(10**11, 1000, 4), dtype=np.uint8, chunks=(1, 1000, 4))
        for name in ("names", "strands"):
            store.create_dataset(name, shape=(10**11,), dtype=h5py.string_dtype(), chunks=(1000,))
        store.create_dataset("task_names", data=["bound"], dtype=h5py.string_dtype())
        store.attrs["alphabet"] = "ACGT"
    result = run_tool("train", "--data", absurd, "--loading", "memory", "--output", tmp_path / "model.safetensors",
                      expect=2)
    assert error_line(result).startswith(f"genotools-train: error: {absurd}: its 100,000,000,000 sequences of "
                                         "1,000 bp take 372,529.0 GiB, more than this machine's memory")
    result = run_tool("train", "--data", absurd, "--output", tmp_path / "model.safetensors", expect=2)  # streamed
    assert error_line(result).startswith(f"genotools-train: error: {absurd}: the names, labels and coordinates of "
                                         "its 100,000,000,000 sequences alone take about 18,626.5 GiB, more than")
    damaged = tmp_path / "damaged.h5"
    shutil.copy(TEST_DATA / "small.h5", damaged)
    with h5py.File(damaged, "a") as store:
        del store["names"]
        store["names"] = ["only one"]
    result = run_tool("predict", "--model", TEST_DATA / "small.safetensors", "--data", damaged, "--output",
                      tmp_path / "predictions.tsv", expect=2)
    assert error_line(result).endswith("names has 1 rows for 810 sequences; the file is damaged: encode it again")
    assert outputs(tmp_path) == ["absurd.h5", "damaged.h5"]


def test_a_fasta_record_longer_than_any_window_is_refused(tmp_path):
    fasta = tmp_path / "chromosome.fa"
    fasta.write_text(">chromosome\n" + "ACGT" * 300_000 + "\n")  # one line of 1.2 Mbp
    result = run_tool("encode", "--fasta", fasta, "--output", tmp_path / "data.h5", expect=2)
    assert error_line(result) == (
        f"genotools-encode: error: {fasta}: sequences: windows of 1,200,000 bp are longer than the 1,048,576 bp "
        "genotools encodes; set a shorter --seq-len, or cut the sequences into windows (bedtools makewindows) and "
        "encode those with --reference and --regions")
    run_tool("encode", "--fasta", fasta, "--seq-len", 1000, "--output", tmp_path / "data.h5")  # its centre


def test_a_record_with_ten_thousand_alt_alleles_is_scored_allele_by_allele(tmp_path):
    ref = pysam.FastaFile(str(TEST_DATA / "genome.fa")).fetch("chr1", 4999, 5000)
    alts = [alt for alt in ("".join(bases) for bases in itertools.product("ACGT", repeat=7))][:10_000]
    vcf = tmp_path / "alleles.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=90000>\n"
                   f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t5000\t.\t{ref}\t{','.join(alts)}\t.\t.\t.\n")
    result = run_tool("score-variants", "--model", TEST_DATA / "small.safetensors", "--reference",
                      TEST_DATA / "genome.fa", "--vcf", vcf, "--output", tmp_path / "scored.vcf")
    assert result.stderr.strip().endswith("alleles: 10000 scored")
    record = next(iter(pysam.VariantFile(str(tmp_path / "scored.vcf"))))
    assert record.info["GENOTOOLS_STATUS"] == ("scored",) * 10_000


# Faults: a full disk, and two runs writing one output


def _can_mount_tmpfs():
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


FULL_DISK_RUNS = {  # a run whose outputs are larger than the 16 KiB the folder `{out}` holds
    "encode": ["--reference", TEST_DATA / "genome.fa", "--regions", TEST_DATA / "regions.bed", "--output",
               "{out}/data.h5"],
    "train": ["--data", TEST_DATA / "small.h5", "--epochs", 1, "--output", "{out}/model.safetensors"],
    "predict": ["--model", TEST_DATA / "small.safetensors", "--reference", TEST_DATA / "genome.fa", "--regions",
                TEST_DATA / "regions.bed", "--output", "{out}/predictions.tsv"],
    "score-variants": ["--model", TEST_DATA / "small.safetensors", "--reference", TEST_DATA / "genome.fa", "--vcf",
                       TEST_DATA / "variants.vcf", "--output", "{out}/scored.vcf.gz"],
    "qc": ["--reference", TEST_DATA / "qc_genome.fa", "--vcf", TEST_DATA / "qc_variants.vcf", "--summary",
           "{out}/qc.json", "--report", "{out}/qc.html"],
}


@pytest.mark.skipif(not shutil.which("unshare") or not _can_mount_tmpfs(),
                    reason="needs a user namespace to mount a small tmpfs (unshare -rm)")
@pytest.mark.parametrize("tool", FULL_DISK_RUNS)
def test_a_full_disk_leaves_no_partial_output_and_says_so(tool, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    command = [script(f"genotools-{tool}"), *filled(FULL_DISK_RUNS[tool], out=disk), "--quiet"]
    result = subprocess.run(["unshare", "-rm", "sh", "-c",
                             f'mount -t tmpfs -o size=16k tmpfs "{disk}" && "$@"; code=$?; ls -A "{disk}"; exit $code',
                             "sh", *command], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (f"genotools-{tool}: error: No space left on device; free some space, or write the "
                             "outputs elsewhere (no partial output is left)\n")
    assert result.stdout == ""  # the folder, listed before the mount went away, is empty


def test_two_runs_writing_one_output_leave_one_whole_output(tmp_path):
    output = tmp_path / "data.h5"
    runs = [subprocess.Popen([script("genotools-encode"), "--reference", TEST_DATA / "genome.fa", "--regions",
                              TEST_DATA / "regions.bed", "--seq-len", str(seq_len), "--output", output, "--quiet"])
            for seq_len in (150, 250)]
    assert [run.wait(timeout=600) for run in runs] == [0, 0]
    data = read_dataset(output)
    assert data.seq_len in (150, 250) and len(data.names) == len(data.onehot) == 8091
    assert outputs(tmp_path) == ["data.h5"] and temporary_files(tmp_path) == []


# Outputs that would overwrite an input, or cannot be written at all


@pytest.mark.parametrize("tool, arguments, message", [
    ("encode", ["--reference", "{data}/genome.fa", "--regions", "{data}/regions.bed", "--output", "{data}/regions.bed"],
     "{data}/regions.bed: given as --output and as --regions"),
    ("predict", ["--model", "{data}/small.safetensors", "--data", "{data}/small.h5", "--output",
                 "{data}/small.safetensors"], "{data}/small.safetensors: given as --model and as --output"),
    ("score-variants", ["--model", "{data}/small.safetensors", "--reference", "{data}/genome.fa", "--vcf",
                        "{data}/variants.vcf", "--output", "{data}/scored.vcf", "--tsv", "{data}/scored.vcf"],
     "{data}/scored.vcf: given as --output and as --tsv"),
])
def test_an_output_that_is_an_input_or_another_output_is_refused_before_anything_runs(tool, arguments, message,
                                                                                       test_data):
    before = {path.name: path.read_bytes() for path in test_data.iterdir() if path.is_file()}
    result = run_tool(tool, *filled(arguments, data=test_data), expect=2)
    assert error_line(result) == (f"genotools-{tool}: error: {message.format(data=test_data)}; a run would "
                                  "overwrite it: choose another output path")
    assert {path.name: path.read_bytes() for path in test_data.iterdir() if path.is_file()} == before


def test_an_output_where_a_file_stands_for_its_folder_is_refused(tmp_path):
    (tmp_path / "results").write_text("a file, not a folder")
    result = run_tool("encode", "--reference", TEST_DATA / "genome.fa", "--regions", TEST_DATA / "regions_small.bed",
                      "--output", tmp_path / "results" / "data.h5", expect=2)
    assert error_line(result) == (f"genotools-encode: error: {tmp_path}/results/data.h5: cannot be written there "
                                  "(a file stands where a folder of its path should be); choose another output path")


def test_resuming_from_a_model_file_instead_of_a_checkpoint_is_refused(tmp_path):
    result = run_tool("train", "--data", TEST_DATA / "small.h5", "--resume", TEST_DATA / "small.safetensors",
                      "--output", tmp_path / "model.safetensors", expect=2)
    assert error_line(result) == (f"genotools-train: error: {TEST_DATA}/small.safetensors: not a training checkpoint "
                                  "(a model file?); --resume takes the .checkpoint.safetensors file that training "
                                  "writes")
    assert outputs(tmp_path) == []


def test_a_task_chosen_for_a_table_that_holds_every_task_is_refused(tmp_path):
    result = run_tool("predict", "--model", TEST_DATA / "small.safetensors", "--data", TEST_DATA / "small.h5",
                      "--task", "activity", "--output", tmp_path / "predictions.tsv", expect=2)
    assert "--task chooses the task of bedGraph output" in error_line(result)


@pytest.mark.parametrize("text, message", [
    (">GF0\nMKVLAAGIVGLLLA\n", "record 'GF0' holds 'I', 'L', not nucleotides (A, C, G, T, N or an IUPAC code); is "
                               "it a protein FASTA or an alignment with gaps?"),
    (">a\nACGT--ACGT\n", "record 'a' holds '-', not nucleotides (A, C, G, T, N or an IUPAC code); is it a protein "
                         "FASTA or an alignment with gaps?"),
    (">a\nACGT\n>b\n\n>c\nACGT\n", "record 'b' has no sequence; remove it or add its bases"),
    (">a\nACGT\n>\nACGT\n", "record 2 has no name; give it one after its '>'"),
])
def test_fasta_records_that_are_not_named_dna_are_refused(text, message, tmp_path):
    fasta = tmp_path / "seqs.fa"
    fasta.write_text(text)
    result = run_tool("predict", "--model", TEST_DATA / "small.safetensors", "--fasta", fasta, "--output",
                      tmp_path / "predictions.tsv", expect=2)
    assert error_line(result) == f"genotools-predict: error: {fasta}: {message}"
    assert outputs(tmp_path) == ["seqs.fa"]


def test_a_fasta_index_of_another_file_is_refused(tmp_path):
    shutil.copy(TEST_DATA / "genome.fa", tmp_path / "genome.fa")
    (tmp_path / "genome.fa.fai").write_text("chr1\t99999\t6\t60\t61\n")  # a longer chr1 than the file holds
    result = run_tool("encode", "--reference", tmp_path / "genome.fa", "--regions", TEST_DATA / "regions_small.bed",
                      "--output", tmp_path / "data.h5", expect=2)
    assert error_line(result) == (f"genotools-encode: error: {tmp_path}/genome.fa.fai: does not describe "
                                  f"{tmp_path}/genome.fa (chr1 does not end where the index says); delete it, or "
                                  f"rebuild it with samtools faidx {tmp_path}/genome.fa")
    (tmp_path / "genome.fa.fai").unlink()  # rebuilt, it is right
    run_tool("encode", "--reference", tmp_path / "genome.fa", "--regions", TEST_DATA / "regions_small.bed",
             "--output", tmp_path / "data.h5")


@pytest.mark.parametrize("command, line", [
    (["genotools-predict", "--model", "missing.safetensors", "--data", "data.h5", "--output", "p.tsv"],
     "genotools-predict: error: Invalid value for '--model': file 'missing.safetensors' does not exist. (see "
     "genotools-predict --help)"),
    (["genotools", "encode", "--kmer", "20", "--fasta", "seqs.fa", "--output", "d.h5"],
     "genotools encode: error: Invalid value for '--kmer': Input should be less than or equal to 8 (see genotools "
     "encode --help)"),
    (["genotools-drug-response", "train", "--epoch", "3"],
     "genotools-drug-response train: error: No such option: --epoch (Possible options: --epochs, --plot) (see "
     "genotools-drug-response train --help)"),
])
def test_usage_errors_are_one_line_too(command, line, tmp_path):
    (tmp_path / "seqs.fa").write_text(">a\nACGT\n")
    result = subprocess.run([script(command[0]), *command[1:]], cwd=tmp_path, capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (2, line + "\n")
    assert outputs(tmp_path) == ["seqs.fa"]
