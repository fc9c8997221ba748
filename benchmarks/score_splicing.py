"""Speed of genotools-score-splicing's scoring, and its exactness against SpliceAI's own.

1. Variants per second end to end through the library (VCF read, windows built, forward passes, delta scores, VCF
   written), beside the bare batched forward passes on windows of the same shapes, already one-hot encoded on the
   device; the ratio is the figure.
2. With --original: the spliceai 1.3.1 package's own scoring (get_delta_scores, one variant at a time, as its
   command line scores) on a sample of the same variants, in a Python with TensorFlow: its variants per second,
   and the largest difference between its delta scores and ours. Its DS are printed with 2 decimals, so it runs
   here with 6 (its utils.py read and run with that format widened; and np.frombuffer for the np.fromstring that
   numpy 2 refuses, and tf_keras to load its Keras 2 files).

Model: SpliceAI-10k, the five models of the spliceai 1.3.1 wheel (downloaded with pip at run time; the importer
checks its sha256), or with --synthetic SpliceAI-80nt with synthetic weights (tests/keras_spliceai.py). Data: a
random genome with genes on both strands, and random SNVs (80%), deletions and insertions (10% each) inside them.

Run: .venv/bin/python benchmarks/score_splicing.py [--synthetic] [--variants 10000] [--device auto]
     [--batch-size 64] [--original /tmp/tfenv/bin/python [--original-variants 20]]
The original's Python: python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu tf-keras pandas
    && /tmp/tfenv/bin/pip install --no-deps spliceai==1.3.1 pyfaidx
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pysam
import torch

from genotools.io.fasta import Reference
from genotools.io.genes import GeneIndex, read_genes
from genotools.io.vcf import contig_names, open_vcf, read_records
from genotools.runtime import resolve_device
from genotools.sequence.published import CISPLICEAI_VERSION, SPLICEAI_VERSION, load_splice_model
from genotools.sequence.splicing import INFO_ID, INFO_LINE, score_records

ROOT = Path(__file__).resolve().parent.parent
CONTIG_LENGTH = 1_000_000
GENE_LENGTH = 40_000
PUBLISHED_VERSIONS = {"spliceai": SPLICEAI_VERSION, "cispliceai": CISPLICEAI_VERSION}  # --source: wheel

# Run by --original: argv = reference, gene table, variants (JSON), distance, output (JSON).
ORIGINAL_SIDE = """
import functools, json, sys, time, types
import tf_keras
import spliceai.utils
reference, genes, variants, distance, output = sys.argv[1:]
source = open(spliceai.utils.__file__).read()
source = source.replace("{:.2f}", "{:.6f}").replace("np.fromstring(seq, np.int8)",
                                                    "np.frombuffer(seq.encode('latin-1'), np.int8)")
utils = types.ModuleType("spliceai.utils")
utils.__file__ = spliceai.utils.__file__
exec(compile(source, spliceai.utils.__file__, "exec"), utils.__dict__)


def load_model(path):
    model = tf_keras.models.load_model(path, compile=False)
    model.predict = functools.partial(model.predict, verbose=0)  # no progress bar for each of its predictions
    return model


utils.load_model = load_model
annotator = utils.Annotator(reference, genes)
records = [types.SimpleNamespace(chrom=c, pos=p, ref=r, alts=tuple(a)) for c, p, r, a in json.load(open(variants))]
utils.get_delta_scores(records[0], annotator, int(distance), 0)  # the first predictions build TensorFlow's graphs
start = time.perf_counter()
scores = [utils.get_delta_scores(record, annotator, int(distance), 0) for record in records]
json.dump({"seconds": time.perf_counter() - start, "scores": scores}, open(output, "w"))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--synthetic", action="store_true", help="SpliceAI-80nt with synthetic weights")
    parser.add_argument("--variants", type=int, default=10_000)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--distance", type=int, default=50)
    parser.add_argument("--original", help="a Python with tensorflow-cpu, tf-keras, spliceai 1.3.1, pyfaidx, pandas")
    parser.add_argument("--original-variants", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.original and args.synthetic:
        parser.error("--original scores with SpliceAI-10k only: its window is fixed to 10,000 bases of context")
    device = resolve_device(args.device)
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        model_file = synthetic_model(scratch) if args.synthetic else published_model(scratch)
        model, metadata = load_splice_model(model_file)
        model.to(device)
        genome, genes, vcf, count = write_inputs(scratch, args.variants, rng)
        recorder = ShapeRecorder(model)
        seconds, scored = end_to_end(recorder, metadata["context"], genome, genes, vcf, scratch / "out.vcf.gz",
                                     device, args)
        bare = bare_forward(model, recorder.shapes, device)
        describe = "SpliceAI-80nt, synthetic weights" if args.synthetic else "SpliceAI-10k, its five models"
        windows = sum(count for count, _ in recorder.shapes)
        print(f"{describe} (context {metadata['context']:,}), {count:,} variants ({windows:,} windows), "
              f"--distance {args.distance}, batches of {args.batch_size}, on {device} "
              f"({torch.get_num_threads()} CPU threads)")
        print(f"end to end through the library: {count / seconds:10.1f} variants/s ({seconds:.1f} s; peak "
              f"memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
        print(f"bare batched forward passes:    {count / bare:10.1f} variants/s ({bare:.1f} s)")
        print(f"ratio: {bare / seconds:.2f}")
        if args.original:
            compare_with_original(args, scratch, genome, genes, vcf, scored)


class ShapeRecorder(torch.nn.Module):
    """The model, noting the shape (windows, length) of every batch it is given."""

    def __init__(self, model):
        super().__init__()
        self.model, self.shapes = model, []

    def forward(self, onehot):
        self.shapes.append(tuple(onehot.shape[:2]))
        return self.model(onehot)


def end_to_end(model, context, genome, genes, vcf, output, device, args):
    """(seconds, {(chrom, pos): entries}) of scoring `vcf` into the bgzipped VCF `output` as the tool does."""
    scored = {}
    start = time.perf_counter()
    index = GeneIndex(read_genes(genes))
    with Reference(genome) as reference, open_vcf(vcf) as variants:
        header = variants.header.copy()
        header.add_line(INFO_LINE)
        contigs = contig_names(variants.header.contigs, reference.lengths)
        gene_contigs = contig_names(variants.header.contigs, index.chroms)
        with pysam.VariantFile(str(output), "wz", header=header) as out:
            for record, entries, _ in score_records(read_records(variants, vcf), reference, index, contigs,
                                                    gene_contigs, model, context, device, distance=args.distance,
                                                    batch_size=args.batch_size):
                record.translate(out.header)
                if entries:
                    record.info[INFO_ID] = [entry.text() for entry in entries]
                    scored[record.chrom, record.pos] = entries
                out.write(record)
    return time.perf_counter() - start, scored


@torch.inference_mode()
def bare_forward(model, shapes, device):
    """Seconds of the forward passes alone on batches of `shapes`, one-hot on the device beforehand."""
    rng = np.random.default_rng(1)
    seconds = 0.0
    for count, length in shapes:
        batch = torch.from_numpy(np.eye(4, dtype=np.float32)[rng.integers(4, size=(count, length))]).to(device)
        synchronize(device)
        start = time.perf_counter()
        model(batch).cpu()
        seconds += time.perf_counter() - start
    return seconds


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def synthetic_model(folder):
    sys.path.insert(0, str(ROOT / "tests"))
    from keras_spliceai import write_variant

    weights = []
    for seed in (0, 1):
        write_variant(folder / f"spliceai80_{seed}.h5", 80, seed)
        weights += ["--weights", folder / f"spliceai80_{seed}.h5"]
    return import_model(folder, weights)


def published_model(folder, source="spliceai"):
    """The model file that genotools-import-model writes from the wheel of `source` (pip downloads it)."""
    return import_model(folder, ["--weights", download_wheel(folder, source)], source)


def download_wheel(folder, source):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", folder,
                    f"{source}=={PUBLISHED_VERSIONS[source]}"], check=True)
    return next(folder.glob(f"{source}-*.whl"))


def import_model(folder, weights, source="spliceai"):
    output = folder / "model.safetensors"
    subprocess.run([Path(sys.executable).parent / "genotools-import-model", "--source", source, *weights,
                    "--output", output, "--quiet"], check=True)
    return output


def write_inputs(folder, count, rng):
    """(genome FASTA, SpliceAI gene table, VCF, number of variants): contigs of random bases, genes of GENE_LENGTH
    bases on alternate strands (each overlapping the next by a quarter) with an exon every 2 kb, and about `count`
    random variants in them, sorted."""
    contigs = max(1, count // 2_500)
    bases = np.array(list("ACGT"))
    sequences = {f"chr{n + 1}": "".join(bases[rng.integers(4, size=CONTIG_LENGTH)]) for n in range(contigs)}
    (folder / "genome.fa").write_text("".join(f">{name}\n{sequence}\n" for name, sequence in sequences.items()))
    rows = ["#NAME\tCHROM\tSTRAND\tTX_START\tTX_END\tEXON_START\tEXON_END"]
    step = GENE_LENGTH * 3 // 4
    for name in sequences:
        for number, start in enumerate(range(10_000, CONTIG_LENGTH - GENE_LENGTH - 10_000, step)):
            exon_starts = list(range(start, start + GENE_LENGTH, 2_000))
            exon_ends = [exon + int(rng.integers(100, 300)) for exon in exon_starts]
            rows.append(f"{name}_G{number}\t{name}\t{'+-'[number % 2]}\t{start}\t{start + GENE_LENGTH}\t"
                        f"{''.join(f'{s},' for s in exon_starts)}\t{''.join(f'{e},' for e in exon_ends)}")
    (folder / "genes.txt").write_text("\n".join(rows) + "\n")
    lines = ["##fileformat=VCFv4.2", *(f"##contig=<ID={name},length={CONTIG_LENGTH}>" for name in sequences),
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    names = list(sequences)
    chosen = sorted({(int(c), int(p)) for c, p in zip(rng.integers(contigs, size=count),
                                                       rng.integers(20_000, CONTIG_LENGTH - 20_000, size=count))})
    for c, pos in chosen:
        sequence, kind = sequences[names[c]], rng.random()
        if kind < 0.8:
            ref = sequence[pos - 1]
            alt = bases[(np.flatnonzero(bases == ref)[0] + 1 + rng.integers(3)) % 4]
        elif kind < 0.9:
            ref = sequence[pos - 1:pos + int(rng.integers(1, 5))]
            alt = ref[0]
        else:
            ref = sequence[pos - 1]
            alt = ref + "".join(bases[rng.integers(4, size=int(rng.integers(1, 5)))])
        lines.append(f"{names[c]}\t{pos}\t.\t{ref}\t{alt}\t.\t.\t.")
    (folder / "variants.vcf").write_text("\n".join(lines) + "\n")
    return folder / "genome.fa", folder / "genes.txt", folder / "variants.vcf", len(chosen)


def compare_with_original(args, folder, genome, genes, vcf, scored):
    """Score a sample of the variants with the spliceai package; print its speed and the differences."""
    records = [(r.chrom, r.pos, r.ref, list(r.alts)) for r in pysam.VariantFile(str(vcf))
               if (r.chrom, r.pos) in scored][:args.original_variants]
    (folder / "sample.json").write_text(json.dumps(records))
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([args.original, "-c", ORIGINAL_SIDE, genome, genes, folder / "sample.json", str(args.distance),
                    folder / "original.json"], check=True, env=environment)
    original = json.loads((folder / "original.json").read_text())
    differences, positions, entries = [], 0, 0
    for (chrom, pos, _, _), theirs in zip(records, original["scores"]):
        ours = scored[chrom, pos]
        assert [text.split("|")[:2] for text in theirs] == [[e.alt, e.gene] for e in ours], (chrom, pos)
        for text, entry in zip(theirs, ours):
            fields = text.split("|")
            if entry.scores is None:
                continue
            entries += 1
            differences += [abs(float(value) - score) for value, score in zip(fields[2:6], entry.scores)]
            positions += [int(value) for value in fields[6:]] != list(entry.positions)
    print(f"spliceai {SPLICEAI_VERSION} itself (TensorFlow, CPU, one variant at a time): "
          f"{len(records) / original['seconds']:.2f} variants/s on {len(records)} of them")
    print(f"largest |DS difference| over {entries} entries (its DS at 6 decimals): {max(differences):.2e}; "
          f"entries whose DP differ: {positions}")


if __name__ == "__main__":
    main()
