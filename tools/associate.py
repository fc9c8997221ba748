"""genotools-associate: find disease-risk variants in a case/control (or quantitative-trait) cohort with the
classical per-variant test and a neural risk model, and score new samples with that model."""

import dataclasses
import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import pandas as pd
import typer
from rich.table import Table
from threadpoolctl import threadpool_limits

from genotools.association.clumping import R2, WINDOW_KB, clump
from genotools.association.genotypes import FIELDS, Variants, aligned_matrix, read_genotypes, vcf_samples
from genotools.association.model import DEFAULT_HYPERPARAMETERS, load_risk_model, risk_model_metadata
from genotools.association.phenotypes import TRAITS, match_samples, parse_covariate_list, read_phenotypes
from genotools.association.qc import Removal, Thresholds, kept_matrix, run_qc
from genotools.association.regression import association_tests, design_matrix
from genotools.association.training import (
    METHODS,
    AssociationConfig,
    StudyData,
    attributions,
    cross_validate,
    final_model,
    predict_risk,
)
from genotools.checkpoint import save_model
from genotools.errors import InputError
from genotools.fit import Job
from genotools.io.atomic import atomic_directory, atomic_output
from genotools.report import genomic_inflation, plot_manhattan, plot_qq
from genotools.runtime import configure, resolve_device

from .common import (
    Checkpoint,
    Debug,
    Device,
    Precision,
    Quiet,
    Resume,
    Seed,
    Threads,
    TrainingProgress,
    Version,
    beside,
    check_choices,
    existing_file,
    group_app,
    progress_bar,
    reported_errors,
    say,
    stderr,
    training_bar,
)

TOP_MARKED = 10  # variants ranked first by the neural model, marked on the Manhattan plot

Vcf = Annotated[Path, existing_file(
    "Genotypes of the samples (VCF or BCF, plain or bgzipped; no index needed), streamed record by record. "
    "Multiallelic records are skipped (split them first with bcftools norm -m -).")]


def scan(
    vcf: Vcf,
    phenotypes: Annotated[Path, existing_file(
        "Phenotype table (TSV or CSV): the sample id in the first column, then the trait and covariates, one "
        "column each, named in the header.")],
    phenotype: Annotated[str, typer.Option(
        help="Column of the trait: case/control (0/1, 1/2 or control/case) or a quantitative value.")],
    output_dir: Annotated[Path, typer.Option(
        "--output-dir", "-o", file_okay=False,
        help="Folder to create (or an empty one) for variants.tsv, qc.tsv, manhattan.png, qq.png, "
        "risk_scores.tsv, metrics.json and model.safetensors; written whole or not at all.")],
    covariates: Annotated[str, typer.Option(
        help="Covariate columns, comma-separated; a range such as PC1..PC10 expands. A column of two labels "
        "(such as F/M) becomes 0/1.")] = "",
    trait: Annotated[str, typer.Option(
        help="Trait type: auto (binary if the values are 0/1, 1/2 or control/case), binary or quantitative.")]
    = "auto",
    genotype_field: Annotated[str, typer.Option(
        help="FORMAT field to read: GT (hard calls) or DS (dosages, kept to 0.02).")] = "GT",
    min_sample_call_rate: Annotated[float, typer.Option(
        min=0, max=1, help="Leave out samples with fewer called genotypes than this fraction.")]
    = Thresholds.sample_call_rate,
    min_variant_call_rate: Annotated[float, typer.Option(
        min=0, max=1, help="Leave out variants called in fewer than this fraction of the kept samples.")]
    = Thresholds.variant_call_rate,
    min_maf: Annotated[float, typer.Option(
        min=0, max=0.5, help="Leave out variants with a lower minor-allele frequency (monomorphic ones always).")]
    = Thresholds.maf,
    min_hwe_p: Annotated[float, typer.Option(
        min=0, max=1, help="Leave out variants whose Hardy-Weinberg exact test p-value (in controls; in all "
        "samples for a quantitative trait) is lower.")] = Thresholds.hwe,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds (stratified by case status).")]
    = AssociationConfig.folds,
    epochs: Annotated[int, typer.Option(min=1, help="Maximum epochs per training run.")] = AssociationConfig.epochs,
    batch_size: Annotated[int, typer.Option(min=2, help="Samples per training step.")]
    = AssociationConfig.batch_size,
    lr: Annotated[float, typer.Option(min=0, help="Learning rate (Adam).")] = AssociationConfig.lr,
    sparsity: Annotated[float, typer.Option(
        min=0, help="Weight of the group-lasso penalty on each variant's weights, divided by the variant's |z| in the "
        "classical test (adaptive lasso): higher keeps fewer variants.")]
    = AssociationConfig.sparsity,
    patience: Annotated[int, typer.Option(
        min=1, help="Stop a training run after this many epochs without a better hold-out loss.")]
    = AssociationConfig.patience,
    hidden: Annotated[int, typer.Option(min=1, help="Units of the network's hidden layer.")]
    = DEFAULT_HYPERPARAMETERS["hidden"],
    clump_r2: Annotated[float, typer.Option(
        min=0, max=1, help="LD clumping of the top of each ranking: a lead variant takes into its clump the "
        "variants whose genotypes correlate with its own with at least this r².")] = R2,
    clump_kb: Annotated[int, typer.Option(
        min=0, help="LD clumping: how far from its lead (kb) a variant can join the lead's clump.")] = WINDOW_KB,
    resume: Resume = None,
    checkpoint: Checkpoint = None,
    precision: Precision = AssociationConfig.precision,
    device: Device = "auto",
    seed: Seed = AssociationConfig.seed,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Test every variant for association with a trait, and train a neural risk model from all variants.

    Samples in only one of the two files, or without the trait or a covariate, are left out. Genotype QC removes
    samples and variants by call rate, minor-allele frequency and Hardy-Weinberg equilibrium. Each variant is then
    tested in a logistic (case/control) or linear (quantitative) regression with the covariates, a missing
    genotype set to the variant's mean dosage: effect (log odds ratio or trait units per ALT allele), standard
    error and Wald/t-test p-value; a case/control test falls back to Firth's penalised regression where the
    variant separates cases from controls or the fit does not converge (column test). A neural network (linear
    term plus MLP) over all variants and the covariates is evaluated by K-fold cross-validation beside three
    baselines fitted on the same training samples: the covariates alone, covariates plus a classical polygenic
    score (effects from the training samples, p-value threshold chosen on a hold-out), and covariates plus an
    elastic net over the variants jointly (penalty chosen on the hold-out). A final network trained on every
    sample is saved, and its gradient x input attribution ranks the variants. The top 1,000 variants of each
    ranking (p-value, neural importance) are LD-clumped as PLINK and PRSice do (columns p_clump, p_lead,
    importance_clump, importance_lead), so that the neighbours in LD of one signal do not hide the next.

    The networks' training writes a checkpoint every epoch, by default beside the output folder (OUTPUT_DIR
    with .checkpoint.safetensors), where a killed scan leaves it: --resume continues from it."""
    with reported_errors("genotools-associate scan", debug), atomic_directory(output_dir) as tmp:
        configure(threads, seed)
        device = resolve_device(device)
        check_choices((("--trait", trait, TRAITS), ("--genotype-field", genotype_field, FIELDS)))
        covariate_names = parse_covariate_list(covariates)
        if phenotype in covariate_names:
            raise InputError(f"--covariates: {phenotype!r} is the phenotype")
        thresholds = Thresholds(min_sample_call_rate, min_variant_call_rate, min_maf, min_hwe_p)
        config = AssociationConfig(folds=folds, epochs=epochs, batch_size=batch_size, lr=lr,
                                   sparsity=sparsity, patience=patience,
                                   hyperparameters={**DEFAULT_HYPERPARAMETERS, "hidden": hidden},
                                   precision=precision, seed=seed)
        checkpoint = checkpoint or beside(output_dir, ".checkpoint.safetensors")
        # the options that choose the data too: the finished folds a checkpoint keeps hold for that data only
        options = {**dataclasses.asdict(config), **dataclasses.asdict(thresholds), "phenotype": phenotype,
                   "covariates": covariate_names, "trait": trait, "genotype_field": genotype_field}
        job = Job(checkpoint, options, resume)
        table = read_phenotypes(phenotypes, phenotype, covariate_names, trait)
        samples, rows, left_out = match_samples(vcf_samples(vcf), table)
        for reason, names in left_out.items():
            say(quiet, f"samples left out, {reason}: {len(names)} (e.g. {', '.join(names[:3])})")
        if len(samples) < 2 * folds:
            raise InputError(f"{vcf}, {phenotypes}: only {len(samples)} samples have genotypes, the phenotype and "
                             "every covariate; check that the sample ids of the two files match")
        with progress_bar(quiet) as bar:
            task = bar.add_task("reading genotypes", total=None)
            cohort = read_genotypes(vcf, samples, genotype_field, on_record=lambda n: bar.update(task, completed=n))
        trait_values = table.trait[rows]
        hwe_samples = trait_values == 0 if table.binary else np.ones(len(samples), dtype=bool)
        kept_samples, kept_variants, frequencies, removals = run_qc(cohort, samples, hwe_samples, thresholds)
        removals = [Removal("sample", name, reason) for reason, names in left_out.items() for name in names] + \
            [Removal("variant", name, reason) for reason, names in cohort.skipped.items() for name in names] + removals
        variants = cohort.variants.subset(kept_variants)
        genotypes = kept_matrix(cohort, kept_samples, kept_variants)
        data = StudyData(genotypes, table.covariates[rows][kept_samples], trait_values[kept_samples], table.binary)
        _check_cohort(data, folds, vcf, phenotypes, phenotype)
        say(quiet, _cohort_line(data, removals))

        with progress_bar(quiet) as bar, threadpool_limits(threads or None):
            task = bar.add_task("per-variant tests", total=len(variants))
            tests = association_tests(genotypes, data.trait, design_matrix(data.covariates), data.binary,
                                      on_block=lambda n: bar.update(task, completed=n))
        beta, se, p, called, firth = tests
        with training_bar(quiet) as bar:
            progress = TrainingProgress(bar, unit="samples")
            predictions, fold_of, records = cross_validate(data, config, device, job, progress)
            final = final_model(data, config, device, job, progress)
        importance = attributions(final.model, genotypes, data.covariates, device)
        clumps = {ranking: clump(genotypes, variants.chroms, variants.positions, np.argsort(values, kind="stable"),
                                 clump_r2, clump_kb * 1000)
                  for ranking, values in (("p", np.nan_to_num(p, nan=np.inf)), ("importance", -importance))}

        report = _report(data, table, variants, p, records, final.best_epoch, removals, seed)
        _write_variants(tmp / "variants.tsv", variants, frequencies, beta, se, p, called, firth, importance,
                        clumps, data.binary)
        _write_removals(tmp / "qc.tsv", removals)
        plot_manhattan(variants.chroms, variants.positions, p, tmp / "manhattan.png",
                       highlight=np.argsort(-importance, kind="stable")[:TOP_MARKED])
        plot_qq(p, tmp / "qq.png")
        pd.DataFrame({"sample": np.array(samples)[kept_samples], phenotype: data.trait, "fold": fold_of + 1,
                      **{method: predictions[method] for method in METHODS}}
                     ).to_csv(tmp / "risk_scores.tsv", sep="\t", index=False, float_format="%.6g")
        (tmp / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
        metadata = risk_model_metadata(phenotype, data.binary, genotype_field, table.covariate_names,
                                       table.covariate_levels, config.hyperparameters, variants, report["mean"])
        save_model(tmp / "model.safetensors", final.model.cpu(), metadata)
        if not quiet:
            stderr.print(_metrics_table(report))
        say(quiet, f"results in {output_dir}: variants.tsv, qc.tsv, manhattan.png, qq.png, risk_scores.tsv, "
            f"metrics.json, model.safetensors\ncheckpoint: {checkpoint}")


def predict(
    model: Annotated[Path, existing_file("Risk model from genotools-associate scan (.safetensors).")],
    vcf: Vcf,
    output: Annotated[Path, typer.Option("--output", "-o", help="Risk scores to write (TSV).", dir_okay=False)],
    phenotypes: Annotated[Optional[Path], existing_file(
        "Table with the model's covariates for these samples (TSV or CSV, sample id first); needed when the "
        "model uses covariates.")] = None,
    precision: Precision = "fp32",
    device: Device = "auto",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Score new samples with a risk model from genotools-associate scan. Variants are matched by chromosome,
    position, REF and ALT, or ALT and REF swapped (the genotypes then count the model's ALT allele); a variant
    of the model missing from the VCF, or a missing genotype, counts as the training mean. Writes per sample the
    risk (log-odds of being a case, or the predicted trait value) and, for a case/control model, the
    probability."""
    with reported_errors("genotools-associate predict", debug):
        configure(threads, seed)
        device = resolve_device(device)
        network, metadata = load_risk_model(model)
        names = vcf_samples(vcf)
        covariates = np.empty((len(names), 0))
        if metadata["covariates"]:
            if phenotypes is None:
                raise InputError(f"{model}: uses the covariates {', '.join(metadata['covariates'])}; give them "
                                 "with --phenotypes")
            table = read_phenotypes(phenotypes, None, metadata["covariates"], levels=metadata["covariate_levels"])
            names, rows, left_out = match_samples(names, table)
            for reason, left in left_out.items():
                say(quiet, f"samples left out, {reason}: {len(left)} (e.g. {', '.join(left[:3])})")
            covariates = table.covariates[rows]
        if not names:
            raise InputError(f"{vcf}: no sample to score (none has every covariate in {phenotypes})")
        known = Variants(*(metadata["variants"][column] for column in ("id", "chrom", "pos", "ref", "alt")))
        keys = known.keys()
        cohort = read_genotypes(vcf, names, metadata["genotype_field"], keys={*keys, *known.keys(swapped=True)})
        genotypes, found, swapped = aligned_matrix(cohort, known, len(names))
        if found == 0:
            raise InputError(f"{vcf}: none of the model's {len(keys)} variants is in it (e.g. {keys[0]}); check the "
                             "chromosome names and the genome build")
        if swapped:
            say(quiet, f"{vcf}: {swapped} of the model's variants have REF and ALT swapped; their genotypes are "
                "counted for the model's ALT allele")
        if found < len(keys):
            say(quiet, f"{vcf}: {len(keys) - found} of the model's {len(keys)} variants are missing; they count as "
                "the training mean")
        risk = predict_risk(network, genotypes, covariates, device, precision)
        columns = {"sample": names, "risk": risk}
        if metadata["trait"] == "binary":
            columns["probability"] = 1 / (1 + np.exp(-risk))
        with atomic_output(output) as tmp:
            pd.DataFrame(columns).to_csv(tmp, sep="\t", index=False, float_format="%.6g")
        say(quiet, f"{len(names)} samples scored: {output}")


def _check_cohort(data, folds, vcf, phenotypes, phenotype):
    n_samples, n_variants = data.genotypes.shape
    if n_variants == 0:
        raise InputError(f"{vcf}: no variant passes QC; see the QC thresholds (--min-maf, --min-variant-call-rate, "
                         "--min-hwe-p)")
    if n_samples < 2 * folds:
        raise InputError(f"{vcf}: {n_samples} samples pass QC, too few for {folds} folds; see "
                         "--min-sample-call-rate")
    if not data.binary and np.ptp(data.trait) == 0:
        raise InputError(f"{phenotypes}: {phenotype} has only one value ({data.trait[0]:g}) among the {n_samples} "
                         "samples that pass QC; a quantitative trait needs values that differ between samples")
    if data.binary and min(data.trait.sum(), (1 - data.trait).sum()) < folds:
        raise InputError(f"{vcf}: {int(data.trait.sum())} cases and {int((1 - data.trait).sum())} controls pass "
                         f"QC; each of the {folds} folds needs at least one of each")


def _cohort_line(data, removals):
    counts = Counter((r.kind, r.reason) for r in removals)
    removed = ", ".join(f"{kind} {reason} {n}" for (kind, reason), n in counts.items()) or "nothing"
    groups = (f"{int(data.trait.sum())} cases, {int((1 - data.trait).sum())} controls" if data.binary
              else "quantitative trait")
    return (f"{data.genotypes.shape[0]} samples ({groups}) x {data.genotypes.shape[1]} variants after QC; "
            f"removed: {removed}")


def _report(data, table, variants, p, records, best_epoch, removals, seed):
    metric = "auroc" if data.binary else "r2"
    defined = {method: [r[method] for r in records if r[method] is not None] for method in METHODS}
    report = {"trait": "binary" if data.binary else "quantitative", "metric": metric,
              "samples": int(data.genotypes.shape[0]), "variants": int(data.genotypes.shape[1]),
              "covariates": table.covariate_names, "seed": seed, "genomic_inflation": genomic_inflation(p),
              "folds": records,
              "mean": {method: float(np.mean(values)) if values else None for method, values in defined.items()},
              "final_model_best_epoch": best_epoch,
              "removed": [{"kind": kind, "reason": reason, "count": n}
                          for (kind, reason), n in Counter((r.kind, r.reason) for r in removals).items()]}
    if data.binary:
        report.update(cases=int(data.trait.sum()), controls=int((1 - data.trait).sum()))
    return report


def _write_variants(path, variants, frequencies, beta, se, p, called, firth, importance, clumps, binary):
    table = pd.DataFrame({"id": variants.ids, "chrom": variants.chroms, "pos": variants.positions,
                          "ref": variants.refs, "alt": variants.alts, "alt_frequency": frequencies,
                          "maf": np.minimum(frequencies, 1 - frequencies), "n": called.astype(np.int64),
                          "beta": beta})
    if binary:
        table["odds_ratio"] = np.exp(beta)
    table["se"], table["p"] = se, p
    if binary:
        table["test"] = np.where(firth == 1, "firth", "wald")
    table["p_rank"] = table["p"].rank(method="min", na_option="bottom").astype(np.int64)
    table["neural_importance"] = importance
    table["importance_rank"] = table["neural_importance"].rank(method="min", ascending=False).astype(np.int64)
    for ranking, clumped in clumps.items():  # outside the clumped top, both columns stay empty
        table[f"{ranking}_clump"] = pd.Series(clumped.rank, dtype="Int64").where(clumped.rank > 0)
        table[f"{ranking}_lead"] = np.where(clumped.lead >= 0, np.array(variants.ids, dtype=object)[clumped.lead], "")
    table.to_csv(path, sep="\t", index=False, float_format="%.6g")


def _write_removals(path, removals):
    pd.DataFrame([(r.kind, r.id, r.reason, r.value) for r in removals],
                 columns=["kind", "id", "reason", "value"]).to_csv(path, sep="\t", index=False, float_format="%.6g")


def _metrics_table(report):
    table = Table(title=f"Cross-validation, {report['metric'].upper()} on held-out samples")
    table.add_column("method")
    table.add_column("mean")
    for record in report["folds"]:
        table.add_column(f"fold {record['fold']}")
    for method in METHODS:
        values = [report["mean"][method], *(record[method] for record in report["folds"])]
        table.add_row(method, *("" if v is None else f"{v:.3f}" for v in values))
    return table


app = group_app(
    "Disease-risk variants from case/control or quantitative-trait cohorts: classical tests and a neural model.",
    {"scan": (scan, "genotools-associate scan --vcf cohort.vcf.gz --phenotypes phenotypes.tsv --phenotype status "
              "--covariates age,sex,PC1..PC2 --output-dir results/"),
     "predict": (predict, "genotools-associate predict --model results/model.safetensors --vcf new.vcf.gz "
                 "--phenotypes new_phenotypes.tsv --output risk.tsv")})
