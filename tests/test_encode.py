import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pysam
import pytest
from helpers import error_line, run_tool

from genotools import __version__
from genotools.sequence.encoding import one_hot


def encode(*args, expect=0):
    return run_tool("encode", *args, expect=expect)


def test_regions_become_uint8_one_hot_with_labels_names_coordinates_and_provenance(test_data, encoded):
    bed = [line.split("\t") for line in (test_data / "regions.bed").read_text().splitlines()]
    genome = pysam.FastaFile(str(test_data / "genome.fa"))
    with h5py.File(encoded) as store:
        onehot = store["onehot"]
        assert onehot.dtype == np.uint8 and onehot.shape == (len(bed) - 1, 200, 4)
        assert [t.decode() for t in store["task_names"]] == ["ap1_bound", "gata_ebox", "activity"]
        np.testing.assert_array_equal(store["labels"][:5], np.array([row[4:] for row in bed[1:6]], dtype=np.float32))
        assert store["names"][7].decode() == bed[8][3]
        chrom, start = store["chroms"][123].decode(), int(store["starts"][123])
        np.testing.assert_array_equal(onehot[123], one_hot(genome.fetch(chrom, start, start + 200)))
        attrs = dict(store.attrs)
        assert (attrs["alphabet"], attrs["unknown_base_encoding"], attrs["seq_len"]) == ("ACGT", "zeros", 200)
        assert attrs["genotools_version"] == __version__ and len(attrs["reference_fingerprint"]) == 16


def test_windows_are_resized_around_the_centre_and_padded_with_n_at_contig_ends(test_data, tmp_path):
    out = tmp_path / "wide.h5"
    encode("--reference", test_data / "genome.fa", "--regions", test_data / "regions.bed", "--seq-len", 1000,
           "--output", out)
    with h5py.File(out) as store:
        assert store["onehot"].shape[1] == 1000
        assert (int(store["starts"][0]), int(store["ends"][0])) == (-400, 600)  # chr1:0-200, centred
        assert not store["onehot"][0, :550].any()  # 400 bases past the contig start, then the 150-N assembly gap
        assert store["onehot"][0, 550:].sum(axis=1).all()


def test_compressed_inputs_encode_like_plain_ones(test_data, encoded, tmp_path):
    pysam.tabix_compress(str(test_data / "genome.fa"), str(tmp_path / "genome.fa.gz"))
    with open(test_data / "regions.bed", "rb") as plain, gzip.open(tmp_path / "regions.bed.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)
    out = tmp_path / "from_gz.h5"
    encode("--reference", tmp_path / "genome.fa.gz", "--regions", tmp_path / "regions.bed.gz", "--output", out)
    with h5py.File(out) as a, h5py.File(encoded) as b:
        np.testing.assert_array_equal(a["onehot"][()], b["onehot"][()])


def test_regions_piped_in_encode_like_the_file(test_data, encoded, tmp_path):
    """`... | genotools-encode --regions /dev/stdin`: a pipe is read once, gzipped or not."""
    out = tmp_path / "piped.h5"
    subprocess.run([Path(sys.executable).parent / "genotools-encode", "--reference", test_data / "genome.fa",
                    "--regions", "/dev/stdin", "--output", out, "--quiet"],
                   input=gzip.compress((test_data / "regions.bed").read_bytes()), check=True, timeout=600)
    with h5py.File(out) as a, h5py.File(encoded) as b:
        np.testing.assert_array_equal(a["onehot"][()], b["onehot"][()])
        np.testing.assert_array_equal(a["labels"][()], b["labels"][()])


def test_a_plain_gzip_reference_is_refused_with_the_fix(test_data, tmp_path):
    with open(test_data / "genome.fa", "rb") as plain, gzip.open(tmp_path / "genome.fa.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)
    result = encode("--reference", tmp_path / "genome.fa.gz", "--regions", test_data / "regions.bed",
                    "--output", tmp_path / "x.h5", expect=2)
    assert "bgzip" in error_line(result)
    assert not (tmp_path / "x.h5").exists()


def test_gzipped_fasta_sequences_with_labels(tmp_path):
    with gzip.open(tmp_path / "seqs.fa.gz", "wt") as fasta:
        fasta.write(">a\nACGTacgtNN\n>b\nTTTTGGGGCC\n")
    (tmp_path / "labels.tsv").write_text("name\tbound\tsignal\nb\t1\t2.5\na\t0\tNA\n")
    out = tmp_path / "seqs.h5"
    encode("--fasta", tmp_path / "seqs.fa.gz", "--labels", tmp_path / "labels.tsv", "--kmer", 2,
           "--reverse-complement", "--output", out)
    with h5py.File(out) as store:
        assert [n.decode() for n in store["names"]] == ["a", "b", "a", "b"]
        assert [s.decode() for s in store["strands"]] == ["+", "+", "-", "-"]
        np.testing.assert_array_equal(store["onehot"][0], one_hot("ACGTACGTNN"))
        np.testing.assert_array_equal(store["onehot"][3], one_hot("GGCCCCAAAA"))
        np.testing.assert_array_equal(store["labels"][1], [1, 2.5])
        assert np.isnan(store["labels"][0, 1])
        assert store["kmers"].shape == (4, 16) and store["kmers"][1].sum() == 9
        assert "chroms" not in store


def test_fasta_records_named_by_region_keep_their_coordinates(tmp_path):
    # bedtools getfasta names (0-based start, strand suffix with -s) and samtools faidx names (1-based) alike.
    (tmp_path / "seqs.fa").write_text(">chr2:10-20(+)\nACGTACGTAC\n>chrX:101-110\nACGTACGTAC\n")
    out = tmp_path / "seqs.h5"
    encode("--fasta", tmp_path / "seqs.fa", "--seq-len", 6, "--output", out)
    with h5py.File(out) as store:
        assert [c.decode() for c in store["chroms"]] == ["chr2", "chrX"]
        np.testing.assert_array_equal(store["starts"], [12, 102])
        np.testing.assert_array_equal(store["ends"], [18, 108])


@pytest.mark.parametrize("bed, message", [
    ("chr1\t10\t210\nchrUn\t5\t205\nchr22\t1\t201\n", "contigs not in the reference: chr22, chrUn"),
    ("1\t10\t210\n", "contigs not in the reference: 1 (the names differ by a 'chr' prefix"),
    ("#chrom\tstart\tend\tname\tbound\n", "contains no regions"),
    ("chr1\t10\t210\tr1\nchr1\tten\t210\tr2\n", "line 2: start and end must be integers"),
    ("chr1\t300\t210\n", "line 1: need 0 <= start < end"),
    ("#chrom\tstart\tend\tname\tbound\nchr1\t10\t210\tr1\tyes\n", "line 2: bound value 'yes' is not a number"),
    ("chr1\t10\t210\nchr1\t10\t250\n", "regions have different lengths (200 to 240 bp); set --seq-len"),
])
def test_bad_regions_get_one_clear_line_and_no_output(test_data, tmp_path, bed, message):
    (tmp_path / "bad.bed").write_text(bed)
    result = encode("--reference", test_data / "genome.fa", "--regions", tmp_path / "bad.bed",
                    "--output", tmp_path / "out.h5", expect=2)
    assert message in error_line(result)
    assert error_line(result).startswith("genotools-encode: error: ")
    assert list(tmp_path.iterdir()) == [tmp_path / "bad.bed"]


@pytest.mark.parametrize("fasta, labels, message", [
    ("", None, "contains no sequences"),
    ("@read\nACGT\n+\nIIII\n", None, "not a FASTA file"),
    (">a\nACGT\n>b\nACG\n", None, "sequences have different lengths"),
    (">a\nACGT\n>b\nACGT\n", "name\tbound\na\t1\n", "no labels for 1 FASTA record(s), e.g. 'b'"),
])
def test_bad_fasta_input_gets_one_clear_line(tmp_path, fasta, labels, message):
    (tmp_path / "seqs.fa").write_text(fasta)
    args = ["--fasta", tmp_path / "seqs.fa", "--output", tmp_path / "out.h5"]
    if labels:
        (tmp_path / "labels.tsv").write_text(labels)
        args += ["--labels", tmp_path / "labels.tsv"]
    assert message in error_line(encode(*args, expect=2))
    assert not (tmp_path / "out.h5").exists()


def test_inputs_must_be_one_of_the_two_kinds(test_data, tmp_path):
    result = encode("--fasta", test_data / "genome.fa", "--regions", test_data / "regions.bed",
                    "--output", tmp_path / "out.h5", expect=2)
    assert "either --fasta or --reference with --regions" in error_line(result)
