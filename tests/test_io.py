import gzip
import re

import h5py
import numpy as np
import pysam
import pytest

from genotools import __version__
from genotools.errors import InputError
from genotools.io.bed import read_regions
from genotools.io.fasta import Reference, clip_window, read_sequences
from genotools.io.hdf5 import DatasetChunks, EncodedDataset, read_dataset, write_dataset
from genotools.io.tables import normalise, read_omics, read_rows
from genotools.io.vcf import contig_names, open_vcf


def write(path, text):
    path.write_text(text)
    return path


def raises(message):
    """pytest.raises for an InputError whose message contains `message` verbatim."""
    return pytest.raises(InputError, match=re.escape(message))


# HDF5 datasets

def toy_dataset(**changes):
    onehot = np.zeros((3, 5, 4), dtype=np.uint8)
    for row, sequence in enumerate(["ACGTA", "CCGTN", "TACGT"]):
        for position, base in enumerate(sequence):
            if base != "N":
                onehot[row, position, "ACGT".index(base)] = 1
    fields = dict(onehot=onehot, names=["a", "b", "a"], strands=["+", "+", "-"], task_names=["bound", "activity"],
                  labels=np.array([[1, 0.5], [0, np.nan], [1, -2.25]], dtype=np.float32),
                  chroms=["chr1", "chr2", "chr1"], starts=np.array([0, 10, 0]), ends=np.array([5, 15, 5]),
                  kmers=np.arange(48, dtype=np.uint32).reshape(3, 16),
                  attrs={"alphabet": "ACGT", "kmer": 2, "reference": "genome.fa"})
    return EncodedDataset(**{**fields, **changes})


def in_one_chunk(data):
    return DatasetChunks(len(data.names), data.seq_len, data.task_names, data.attrs, iter([data]))


def test_a_written_dataset_reads_back_field_for_field(tmp_path):
    data = toy_dataset()
    write_dataset(tmp_path / "data.h5", in_one_chunk(data))
    back = read_dataset(tmp_path / "data.h5")
    np.testing.assert_array_equal(back.onehot, data.onehot)
    assert back.onehot.dtype == np.uint8 and back.seq_len == 5
    assert (back.names, back.strands, back.task_names, back.chroms) == (
        ["a", "b", "a"], ["+", "+", "-"], ["bound", "activity"], ["chr1", "chr2", "chr1"])
    np.testing.assert_array_equal(back.labels, data.labels)  # NaN where missing, in the same place
    assert back.labels.dtype == np.float32
    np.testing.assert_array_equal(back.starts, [0, 10, 0])
    np.testing.assert_array_equal(back.ends, [5, 15, 5])
    np.testing.assert_array_equal(back.kmers, data.kmers)
    assert back.kmers.dtype == np.uint32
    assert back.attrs == {"alphabet": "ACGT", "kmer": 2, "reference": "genome.fa", "seq_len": 5,
                          "genotools_version": __version__}


def test_a_dataset_without_labels_coordinates_or_kmers_reads_back_without_them(tmp_path):
    write_dataset(tmp_path / "data.h5", in_one_chunk(toy_dataset(task_names=[], labels=None, chroms=None, starts=None,
                                                                 ends=None, kmers=None)))
    back = read_dataset(tmp_path / "data.h5")
    assert back.task_names == [] and back.names == ["a", "b", "a"]
    assert back.labels is None and back.chroms is None and back.starts is None and back.kmers is None


def test_an_hdf5_file_that_is_not_a_dataset_is_refused_by_name(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as store:
        store.create_dataset("matrix", data=np.zeros(3))
    with raises(f"{tmp_path / 'other.h5'}: not a genotools dataset"):
        read_dataset(tmp_path / "other.h5")


def test_a_file_that_is_not_hdf5_is_refused_by_name(tmp_path):
    with raises(f"{tmp_path / 'data.h5'}: cannot read as HDF5"):
        read_dataset(write(tmp_path / "data.h5", "chr1\t0\t10\n"))
    with raises(f"{tmp_path / 'missing.h5'}: cannot read as HDF5"):
        read_dataset(tmp_path / "missing.h5")


# BED regions

def test_bed_regions_keep_their_coordinates_and_names_and_name_unnamed_ones_by_position(tmp_path):
    bed = write(tmp_path / "regions.bed", "track name=peaks\nbrowser position chr1\n\nchr1\t10\t20\tpeak1\n"
                                          "chr2\t0\t5\n# a comment\nchrX\t7\t9\t.\t0\t+\n")
    regions = read_regions(bed)
    assert regions.chroms == ["chr1", "chr2", "chrX"]
    assert regions.starts.tolist() == [10, 0, 7] and regions.ends.tolist() == [20, 5, 9]
    assert regions.starts.dtype == np.int64
    assert regions.names == ["peak1", "chr2:0-5", "chrX:7-9"]
    assert regions.task_names == [] and regions.labels is None


def test_a_bed_header_names_the_label_columns_and_missing_values_become_nan(tmp_path):
    bed = write(tmp_path / "labelled.bed", "#chrom\tstart\tend\tname\tbound\tactivity\n"
                                           "chr1\t0\t10\tr1\t1\t0.5\nchr1\t10\t20\tr2\t0\tNA\nchr2\t5\t9\tr3\t.\t-3\n")
    regions = read_regions(bed)
    assert regions.names == ["r1", "r2", "r3"] and regions.task_names == ["bound", "activity"]
    assert regions.labels.dtype == np.float32
    np.testing.assert_array_equal(regions.labels, [[1, 0.5], [0, np.nan], [np.nan, -3]])


@pytest.mark.parametrize("lines, message", [
    ("chr1\t0\t10\nchr1 20 30\n", "line 2: expected at least 3 tab-separated columns, found 1"),
    ("chr1\tzero\t10\n", "line 1: start and end must be integers"),
    ("chr1\t0\t10\nchr1\t30\t20\n", "line 2: need 0 <= start < end, found 30 and 20"),
    ("chr1\t-1\t10\n", "line 1: need 0 <= start < end, found -1 and 10"),
    ("chr1\t5\t5\n", "line 1: need 0 <= start < end, found 5 and 5"),
    ("#chrom\tstart\tend\tname\tbound\nchr1\t0\t10\tr1\n", "line 2: 4 columns but the header names 5"),
    ("#chrom\tstart\tend\tname\tbound\n\nchr1\t0\t10\tr1\tyes\n", "line 3: bound value 'yes' is not a number"),
    ("track name=empty\n# nothing\n", "contains no regions"),
])
def test_malformed_bed_lines_are_refused_with_their_line_number(tmp_path, lines, message):
    bed = write(tmp_path / "bad.bed", lines)
    with raises(f"{bed}: {message}"):
        read_regions(bed)


def test_a_bed_header_after_the_first_regions_is_refused_with_its_line_number(tmp_path):
    bed = write(tmp_path / "late-header.bed", "chr1\t0\t10\tr1\n#chrom\tstart\tend\tname\tbound\nchr1\t10\t20\tr2\t1\n")
    with raises(f"{bed}: line 2"):
        read_regions(bed)


def test_a_missing_bed_file_is_refused_by_name(tmp_path):
    with raises(f"{tmp_path / 'none.bed'}: BED file not found"):
        read_regions(tmp_path / "none.bed")


# FASTA

@pytest.fixture
def reference(tmp_path):
    fasta = write(tmp_path / "genome.fa", ">chr1 first contig\nACGTacgtAC\n>chr2\nGGGG\nTT\n")
    pysam.faidx(str(fasta))
    with Reference(fasta) as opened:
        yield opened


def test_a_reference_fetches_upper_case_bases_and_pads_with_n_beyond_contig_ends(reference):
    assert reference.lengths == {"chr1": 10, "chr2": 6}
    assert reference.fetch("chr1", 2, 8) == "GTACGT"
    assert reference.fetch("chr1", -3, 4) == "NNNACGT"
    assert reference.fetch("chr1", 8, 13) == "ACNNN"
    assert reference.fetch("chr2", -2, 8) == "NNGGGGTTNN"
    assert reference.fetch("chr2", 7, 10) == "NNN"
    assert reference.bases("chr1", 2, 8) == "GTacgt"  # soft-masking kept


def test_the_reference_fingerprint_depends_on_contig_names_and_lengths_only(reference, tmp_path):
    other = write(tmp_path / "same-shape.fa", ">chr1\nTTTTTTTTTT\n>chr2\nAAAAAA\n")
    longer = write(tmp_path / "longer.fa", ">chr1\nACGTACGTACG\n>chr2\nGGGGTT\n")
    with Reference(other) as same_shape, Reference(longer) as different:  # indexes built beside the files
        assert same_shape.fingerprint == reference.fingerprint
        assert different.fingerprint != reference.fingerprint
    assert re.fullmatch("[0-9a-f]{16}", reference.fingerprint)


def test_a_reference_that_is_missing_or_plain_gzip_is_refused(tmp_path):
    with raises(f"{tmp_path / 'none.fa'}: reference FASTA not found"):
        Reference(tmp_path / "none.fa")
    with gzip.open(tmp_path / "genome.fa.gz", "wt") as handle:
        handle.write(">chr1\nACGT\n")
    with raises(f"reference FASTA compressed with plain gzip, which htslib cannot index or seek; recompress it with "
                f"bgzip: gunzip {tmp_path}/genome.fa.gz && bgzip {tmp_path}/genome.fa"):
        Reference(tmp_path / "genome.fa.gz")


def test_read_sequences_returns_names_without_descriptions_and_joins_wrapped_lines(tmp_path):
    expected = [("seq1", "ACGTN"), ("seq2", "ggccAATT"), ("seq3", "")]
    text = ">seq1 a description\nACGTN\n>seq2\nggcc\nAATT\n>seq3\n"
    assert read_sequences(write(tmp_path / "seqs.fa", text)) == expected
    with gzip.open(tmp_path / "seqs.fa.gz", "wt") as handle:
        handle.write(text)
    assert read_sequences(tmp_path / "seqs.fa.gz") == expected


@pytest.mark.parametrize("text, message", [
    ("", "contains no sequences"),
    ("ACGT\n", "not a FASTA file (the first character must be '>')"),
])
def test_read_sequences_refuses_empty_and_non_fasta_files(tmp_path, text, message):
    path = write(tmp_path / "seqs.fa", text)
    with raises(f"{path}: {message}"):
        read_sequences(path)


@pytest.mark.parametrize("start, end, available, expected", [
    (2, 8, 10, (0, 2, 8, 0)),  # inside
    (0, 10, 10, (0, 0, 10, 0)),  # the whole contig
    (-3, 4, 10, (3, 0, 4, 0)),  # off the start
    (8, 13, 10, (0, 8, 10, 3)),  # off the end
    (-2, 12, 10, (2, 0, 10, 2)),  # off both ends
    (-5, -2, 10, (3, 0, 0, 0)),  # all before the contig
    (12, 15, 10, (0, 10, 10, 3)),  # all after it
])
def test_clip_window_splits_a_window_into_padding_and_bases_inside(start, end, available, expected):
    assert clip_window(start, end, available) == expected
    before, inner_start, inner_end, after = expected
    assert before + (inner_end - inner_start) + after == end - start


# Tables

def test_normalised_identifiers_ignore_case_punctuation_and_whitespace():
    assert normalise("HCC-1937") == normalise("HCC 1937") == normalise("hcc1937") == "hcc1937"
    assert normalise("NCI_H460 (lung)") == "ncih460lung"
    assert normalise("Straße") == normalise("STRASSE") == "strasse"
    assert normalise("TP53") != normalise("TP5")


def test_read_rows_takes_the_delimiter_from_the_header_and_keeps_line_numbers(tmp_path):
    tsv = write(tmp_path / "table.tsv", "cell\tdrug\tic50\n\nA549\tcisplatin, 2nd lot\t1.5\nMCF7\tx\t\n")
    assert read_rows(tsv, "response") == (["cell", "drug", "ic50"],
                                          [(3, ["A549", "cisplatin, 2nd lot", "1.5"]), (4, ["MCF7", "x", ""])])
    csv = write(tmp_path / "table.csv", 'cell,drug,ic50\nA549,"cisplatin, 2nd lot",1.5\n\n\nMCF7,x,2\n')
    assert read_rows(csv, "response") == (["cell", "drug", "ic50"],
                                          [(2, ["A549", "cisplatin, 2nd lot", "1.5"]), (5, ["MCF7", "x", "2"])])


def test_read_rows_refuses_an_empty_file_naming_what_it_is(tmp_path):
    path = write(tmp_path / "table.tsv", "\n  \n")
    with raises(f"{path}: response file is empty"):
        read_rows(path, "response")


def omics_file(tmp_path, name="omics.tsv", text="gene\tTP53\tKRAS\nHCC-1937\t1.0\t2.5\nA549\tNA\t3\n"):
    return write(tmp_path / name, text)


def test_omics_with_cell_lines_as_rows_are_read_as_cells_by_features(tmp_path):
    omics = read_omics(omics_file(tmp_path), cells=["hcc1937", "a549", "MCF7"])
    assert omics.cells == ["HCC-1937", "A549"] and omics.features == ["TP53", "KRAS"]
    assert omics.values.dtype == np.float32
    np.testing.assert_array_equal(omics.values, [[1.0, 2.5], [np.nan, 3.0]])


def test_omics_with_cell_lines_as_columns_are_transposed(tmp_path):
    path = omics_file(tmp_path, "omics.csv", "gene,HCC-1937,A549\nTP53,1.0,\nKRAS,2.5,3\n")
    for omics in (read_omics(path, cells=["HCC1937", "A549"]), read_omics(path, orientation="columns")):
        assert omics.cells == ["HCC-1937", "A549"] and omics.features == ["TP53", "KRAS"]
        np.testing.assert_array_equal(omics.values, [[1.0, 2.5], [np.nan, 3.0]])
        assert omics.values.flags["C_CONTIGUOUS"]


def test_omics_orientation_follows_a_models_features_without_cell_lines(tmp_path):
    path = omics_file(tmp_path)
    assert read_omics(path, features=["TP53", "KRAS"]).cells == ["HCC-1937", "A549"]
    assert read_omics(path, features=["HCC-1937"]).cells == ["TP53", "KRAS"]
    assert read_omics(path, orientation="rows").cells == ["HCC-1937", "A549"]


def test_omics_whose_names_match_neither_way_ask_for_the_orientation(tmp_path):
    with raises("none of the response table's cell lines among its row names and its column names (e.g. rows "
                "HCC-1937, A549; columns TP53, KRAS); check the identifiers or set the orientation"):
        read_omics(omics_file(tmp_path), cells=["MCF7"])


def test_omics_in_r_layout_without_a_name_for_the_row_names_column(tmp_path):
    omics = read_omics(omics_file(tmp_path, text="TP53\tKRAS\nA549\t1\t2\n"), orientation="rows")
    assert omics.cells == ["A549"] and omics.features == ["TP53", "KRAS"]
    np.testing.assert_array_equal(omics.values, [[1, 2]])


@pytest.mark.parametrize("text, message", [
    ("gene\tTP53\tKRAS\nHCC-1937\t1\t2\nhcc 1937\t3\t4\n", "cell line 'hcc 1937' appears twice (as 'HCC-1937' and "
                                                           "'hcc 1937'); keep one"),
    ("gene\tTP53\tTP53\nA549\t1\t2\n", "feature 'TP53' appears twice (as 'TP53' and 'TP53'); keep one"),
    ("gene\tTP53\tKRAS\nA549\t1\t2\nMCF7\t1\n", "line 3: 2 columns but the header names 3"),
    ("gene\tTP53\tKRAS\nA549\t1\thigh\n", "line 2: KRAS value 'high' is not a number"),
    ("gene\tTP53\tKRAS\n", "omics file has a header but no rows; add its rows below the header"),
])
def test_malformed_omics_are_refused_with_what_to_fix(tmp_path, text, message):
    path = omics_file(tmp_path, text=text)
    with raises(f"{path}: {message}"):
        read_omics(path, orientation="rows")


def test_features_that_differ_only_in_case_are_distinct(tmp_path):
    omics = read_omics(omics_file(tmp_path, text="gene\tTP53\ttp53\nA549\t1\t2\n"), orientation="rows")
    assert omics.features == ["TP53", "tp53"]


# VCF

def test_a_vcf_that_does_not_exist_is_refused_by_name(tmp_path):
    with raises(f"{tmp_path / 'missing.vcf'}: VCF file not found"):
        open_vcf(tmp_path / "missing.vcf")


def test_a_file_that_is_not_vcf_is_refused_by_name(tmp_path):
    path = write(tmp_path / "calls.vcf", "this is not a VCF\n")
    with raises(f"{path}: cannot read as VCF or BCF"):
        open_vcf(path)


def test_a_vcf_opens_and_yields_its_records(tmp_path):
    path = write(tmp_path / "calls.vcf", "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=100>\n"
                                         "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                                         "chr1\t5\trs1\tA\tG\t.\tPASS\t.\nchr1\t9\t.\tC\tT,A\t.\tPASS\t.\n")
    with open_vcf(path) as vcf:
        assert list(vcf.header.contigs) == ["chr1"]
        assert [(r.chrom, r.pos, r.id, r.ref, r.alts) for r in vcf] == [("chr1", 5, "rs1", "A", ("G",)),
                                                                        ("chr1", 9, None, "C", ("T", "A"))]


def test_vcf_contigs_match_the_reference_with_or_without_chr_and_as_chrm_or_mt():
    assert contig_names(["chr1", "chrM", "2", "X"], ["1", "MT", "chr2"]) == {"chr1": "1", "chrM": "MT", "2": "chr2"}
    assert contig_names(["1", "MT", "chrX"], ["chr1", "chrM", "chrX"]) == {"1": "chr1", "MT": "chrM", "chrX": "chrX"}
    assert contig_names(["chr1"], ["chr1", "1"]) == {"chr1": "chr1"}  # a name found as it is wins
    assert contig_names(["chrUn_1"], ["chr1"]) == {}
