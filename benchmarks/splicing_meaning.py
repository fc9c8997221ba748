"""Does an imported splice model (SpliceAI's, or CI-SpliceAI's with --source cispliceai) mean what SpliceAI means?
Checked on real sequence: the hg38 excerpt chr16:186,964-397,118 and its RefSeq transcripts, from the Debian
package augustus-doc 3.5.0 (fetched with apt-get download, sha256 checked, read from the archive).

1. Top-k accuracy, SpliceAI's own measure (Jaganathan et al. 2019): for acceptors and for donors, the share of the
   annotated sites among the k positions of the transcripts' spans that the model scores highest, k being the
   number of annotated sites. Positions read on each transcript's strand; the paper reports 0.95 for SpliceAI-10k on
   its test chromosomes.
2. Delta scores through genotools-score-splicing (the real command, the GTF as gene table): SNVs that break the
   canonical GT of a donor or AG of an acceptor, against SNVs deep in introns (at least 500 bases from an exon);
   the AUROC of the largest of the four delta scores, and the share of each group at or above 0.5.

Run: .venv/bin/python benchmarks/splicing_meaning.py [--source spliceai] [--variants 40] [--device auto]
     (five SpliceAI-10k networks, downloaded with pip; about 15 minutes on 2 CPU cores)
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pysam
from score_splicing import PUBLISHED_VERSIONS, published_model
from sequence_datasets import AUGUSTUS_DATA, AUGUSTUS_DOC, fetch, parse_fasta, read_deb, read_gtf_exons
from sklearn.metrics import roc_auc_score

from genotools.io.fasta import reverse_complement
from genotools.runtime import resolve_device
from genotools.sequence.published import load_splice_model
from genotools.sequence.splicing import predict_windows

CACHE = Path.home() / ".cache" / "genotools" / "benchmarks"
STEP = 5_000  # positions predicted per window
DISTANCE = 50  # genotools-score-splicing's --distance, SpliceAI's default
DEEP = 500  # bases from the nearest exon for a deep-intronic variant
BASES = "ACGT"


def sites(transcripts):
    """{'acceptor': set, 'donor': set} of 0-based positions: SpliceAI's labels, the exonic base at each
    exon-intron boundary (the last base of the exon before a donor, the first after an acceptor, read on the
    transcript's strand)."""
    found = {"acceptor": set(), "donor": set()}
    for _, strand, exons in transcripts.values():
        for (_, end), (start, _) in zip(exons, exons[1:]):
            left, right = end - 1, start - 1  # the exonic bases either side of the intron, 0-based
            found["donor"].add((left, strand) if strand == "+" else (right, strand))
            found["acceptor"].add((right, strand) if strand == "+" else (left, strand))
    return found


def top_k(model, context, sequence, transcripts, annotated, device):
    """{kind: (top-k accuracy, k)} over the positions of the transcripts' spans, each read on its strand."""
    padded = "N" * (context // 2) + sequence.upper() + "N" * (context // 2)
    starts = range(0, len(sequence), STEP)
    windows = [(strand, padded[s:s + min(STEP, len(sequence) - s) + context]) for strand in "+-" for s in starts]
    windows = [(strand, reverse_complement(text) if strand == "-" else text) for strand, text in windows]
    predicted = predict_windows(windows, model, context, device, batch_size=4)
    probabilities = {strand: np.concatenate(predicted[i * len(starts):(i + 1) * len(starts)])
                     for i, strand in enumerate("+-")}
    result = {}
    for column, kind in ((1, "acceptor"), (2, "donor")):
        scored = {}  # (position, strand) -> probability, over the transcripts' spans
        for _, strand, exons in transcripts.values():
            span = np.arange(exons[0][0] - 1, exons[-1][1])
            scored.update(zip(zip(span.tolist(), [strand] * len(span)), probabilities[strand][span, column]))
        k = len(annotated[kind])
        ranked = sorted(scored, key=scored.get, reverse=True)[:k]
        result[kind] = (len(annotated[kind] & set(ranked)) / k, k)
    return result


def variants(sequence, transcripts, count, rng, margin):
    """[(0-based position, ALT, group)]: `count` SNVs in the canonical GT and AG dinucleotides at the ends of introns,
    and `count` deep-intronic SNVs, all at least `margin` bases from the excerpt's ends (where SpliceAI scores
    nothing: its window would run off the contig)."""
    canonical = {"+": ("GT", "AG"), "-": ("CT", "AC")}  # the intron's first and last two bases, on the + strand
    upper, exonic, introns, breaking = sequence.upper(), np.zeros(len(sequence), bool), [], set()
    for _, strand, exons in transcripts.values():
        for start, end in exons:
            exonic[start - 1:end] = True
        for (_, end), (start, _) in zip(exons, exons[1:]):
            first, last = end, start - 2  # the 0-based first and last bases of the intron
            introns.append((first, last))
            if (upper[first:first + 2], upper[last - 1:last + 1]) == canonical[strand]:
                breaking.update(p for p in (first, first + 1, last - 1, last) if margin <= p < len(sequence) - margin)
    boundaries = np.flatnonzero(np.diff(exonic)) + 0.5
    distance = np.abs(np.arange(len(sequence))[:, None] - boundaries[None, :]).min(axis=1)
    deep = sorted({p for first, last in introns for p in range(first, last + 1)
                   if distance[p] >= DEEP and not exonic[p] and upper[p] in BASES
                   and margin <= p < len(sequence) - margin})
    chosen = [(int(p), "canonical") for p in rng.choice(sorted(breaking), count, replace=False)]
    chosen += [(int(p), "deep_intronic") for p in rng.choice(deep, count, replace=False)]
    return [(p, str(rng.choice([b for b in BASES if b != upper[p]])), group) for p, group in sorted(chosen)]


def score(folder, model_file, contig, sequence, gtf, chosen, device):
    """{position: max delta score} from genotools-score-splicing on a VCF of `chosen`."""
    reference, genes, vcf, out = (folder / name for name in ("ref.fa", "genes.gtf", "in.vcf", "out.vcf"))
    reference.write_text(f">{contig}\n{sequence}\n")
    pysam.faidx(str(reference))
    genes.write_text(gtf)
    with open(vcf, "w") as handle:
        handle.write(f"##fileformat=VCFv4.2\n##contig=<ID={contig},length={len(sequence)}>\n"
                     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for position, alt, group in chosen:
            handle.write(f"{contig}\t{position + 1}\t{group}\t{sequence[position].upper()}\t{alt}\t.\t.\t.\n")
    subprocess.run([Path(sys.executable).parent / "genotools-score-splicing", "--model", model_file, "--reference",
                    reference, "--genes", genes, "--vcf", vcf, "--output", out, "--distance", str(DISTANCE), "--device",
                    str(device), "--quiet"],
                   check=True)
    best = {}
    with pysam.VariantFile(str(out)) as scored:
        for record in scored:
            entries = record.info.get("SpliceAI", ())
            best[record.pos - 1] = max(float(v) for entry in entries for v in entry.split("|")[2:6])
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", choices=list(PUBLISHED_VERSIONS), default="spliceai",
                        help="whose published models: SpliceAI's or CI-SpliceAI's five")
    parser.add_argument("--variants", type=int, default=40, help="of each group")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    device = resolve_device(args.device)
    fasta, gtf = AUGUSTUS_DATA + "genomes/hg38.fa", AUGUSTUS_DATA + "refseq/refseq.hg38.gtf"
    files = read_deb(fetch(AUGUSTUS_DOC, CACHE), {fasta, gtf})
    [(contig, sequence)] = parse_fasta(files[fasta])
    transcripts = read_gtf_exons(files[gtf])
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        model_file = published_model(folder, args.source)
        model, metadata = load_splice_model(model_file)
        model.to(device)
        annotated = sites(transcripts)
        print(f"augustus-doc 3.5.0: {contig}, {len(sequence):,} bp (hg38 chr16:186,964-397,118), "
              f"{len(transcripts)} RefSeq transcripts; {metadata['source']['name']} (SpliceAI-10k, five models) on "
              f"{device}")
        for kind, (accuracy, k) in top_k(model, metadata["context"], sequence, transcripts, annotated,
                                         device).items():
            print(f"top-k accuracy, {kind}s (k = {k}): {accuracy:.3f}")
        chosen = variants(sequence, transcripts, args.variants, np.random.default_rng(args.seed),
                          metadata["context"] // 2 + DISTANCE)
        best = score(folder, model_file, contig, sequence, files[gtf], chosen, device)
    groups = {group: np.array([best[p] for p, _, g in chosen if g == group]) for group in ("canonical",
                                                                                          "deep_intronic")}
    labels = np.r_[np.ones(len(groups["canonical"])), np.zeros(len(groups["deep_intronic"]))]
    values = np.r_[groups["canonical"], groups["deep_intronic"]]
    print(f"largest delta score, canonical GT/AG SNVs against deep-intronic SNVs (>= {DEEP} bases from an exon): "
          f"AUROC {roc_auc_score(labels, values):.3f}")
    for group, scores in groups.items():
        print(f"  {group}: {len(scores)} SNVs, median {np.median(scores):.2f}, {np.mean(scores >= 0.5):.0%} >= 0.5")


if __name__ == "__main__":
    main()
