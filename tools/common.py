"""What every tool shares: the standard options, error reporting, progress bars and messages on stderr."""

import contextlib
import errno
import functools
import inspect
import itertools
import os
import re
import sys
import typing
from pathlib import Path
from typing import Annotated, Optional

import pysam
import pysam.bcftools
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from genotools import __version__
from genotools.errors import InputError
from genotools.io.atomic import atomic_output

stderr = Console(stderr=True)  # progress bars and tables


def _print_version(value: bool):
    if value:
        typer.echo(f"genotools {__version__}")
        raise typer.Exit()


Version = Annotated[Optional[bool], typer.Option(
    "--version", callback=_print_version, is_eager=True, help="Print the version and exit.")]
Device = Annotated[str, typer.Option(
    help="Where to compute: auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps.")]
Seed = Annotated[int, typer.Option(help="Seed for every random generator.")]
Threads = Annotated[int, typer.Option(
    min=0, help="CPU threads for PyTorch (0: all cores).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or messages; errors only.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")]
BatchSize = Annotated[int, typer.Option(min=1, help="Sequences per forward pass.")]
AverageStrands = Annotated[bool, typer.Option(
    "--reverse-complement/--no-reverse-complement",
    help="Average the predictions for each sequence and its reverse complement.")]
Precision = Annotated[str, typer.Option(
    help="Numeric precision: fp32, or mixed precision bf16 or fp16 (on GPUs; bf16 also runs on CPUs).")]


def existing_file(help_text, **kwargs):
    """An option naming an input file; Typer checks that it exists and is readable."""
    return typer.Option(help=help_text, exists=True, dir_okay=False, readable=True, **kwargs)


Resume = Annotated[Optional[Path], existing_file(
    "Resume from this checkpoint (written every epoch) with the same options and data.")]
Checkpoint = Annotated[Optional[Path], typer.Option(
    help="Checkpoint to write every epoch [default: OUTPUT with .checkpoint.safetensors].", dir_okay=False)]
ReferenceFasta = Annotated[Path, existing_file("Reference genome FASTA (plain or bgzipped).")]
VariantsIn = Annotated[Path, typer.Option(help="Variants: VCF or BCF, plain or bgzipped; '-' reads standard input.",
                                          dir_okay=False)]
VcfOutputType = Annotated[str, typer.Option(
    help="v (VCF), z (bgzipped VCF) or b (BCF) [default: from the OUTPUT extension].")]


def _with_example(command, example):
    command.__doc__ = f"{inspect.cleandoc(command.__doc__)}\n\n\b\nExample:\n  {example}"
    tool = " ".join(itertools.takewhile(lambda word: not word.startswith("-"), example.split()))
    return _refusing_clashing_paths(command, tool)


def _path_options(command):
    """{parameter: True for an input file, False for an output} of the path options of `command`."""
    kinds = {}
    for name, parameter in inspect.signature(command).parameters.items():
        hint = parameter.annotation
        metadata = typing.get_args(hint)[1:] if typing.get_origin(hint) is Annotated else ()
        if "Path" in str(hint) and name != "version":
            kinds[name] = any(getattr(option, "exists", False) for option in metadata)
    return kinds


def _refusing_clashing_paths(command, tool):
    """`command`, refusing a run whose output would overwrite one of its inputs or another of its outputs. A
    checkpoint may be the one resumed from: the run goes on writing it."""
    kinds = _path_options(command)

    @functools.wraps(command)
    def checked(**options):
        named = {}
        for name, is_input in kinds.items():
            given = options.get(name)
            for path in given if isinstance(given, list) else [given]:
                if path is None or str(path) == "-":
                    continue
                key = os.path.realpath(path)
                if key in named and not (is_input and kinds[named[key]]) and \
                        {name, named[key]} != {"resume", "checkpoint"}:
                    typer.echo(f"{tool}: error: {path}: given as --{named[key].replace('_', '-')} and as "
                               f"--{name.replace('_', '-')}; a run would overwrite it: choose another output "
                               "path", err=True)
                    raise typer.Exit(2)
                named.setdefault(key, name)
        return command(**options)

    return checked


def _typer(**settings):
    return typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False,
                       context_settings={"help_option_names": ["-h", "--help"]}, **settings)


class _OneLineUsageErrors(typer.core.TyperCommand):
    """A command whose usage errors (an unknown option, a value out of range, an input file that does not exist)
    are one line like every other error, instead of the usage text, a hint and the error."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except Exception as error:
            if getattr(error, "exit_code", None) == 2 and hasattr(error, "format_message"):  # click's UsageError
                tool = f"{parent.command_path} {info_name}" if parent else info_name
                line = f"{tool}: error: {error.format_message()} (see {tool} --help)"
                error.show = lambda file=None: typer.echo(line, err=True)
            raise


def single_command_app(command, example):
    """A Typer app that runs `command` directly (no subcommand), with `example` at the end of --help."""
    app = _typer()
    app.command(cls=_OneLineUsageErrors)(_with_example(command, example))
    return app


def _group_options(version: Version = None):
    pass


def group_app(help_text, subcommands):
    """A Typer app with subcommands: {name: (command, example)}."""
    app = _typer(help=help_text, no_args_is_help=True)
    app.callback()(_group_options)
    for name, (command, example) in subcommands.items():
        app.command(name, cls=_OneLineUsageErrors)(_with_example(command, example))
    return app


_SPACE_HINT = "free some space, or write the outputs elsewhere"
_PERMISSION_HINT = "check the permissions of the file and its folder, or write the outputs elsewhere"
_ENVIRONMENT_ERRORS = {errno.ENOSPC: _SPACE_HINT, errno.EDQUOT: _SPACE_HINT, errno.EFBIG: _SPACE_HINT,
                       errno.EACCES: _PERMISSION_HINT, errno.EPERM: _PERMISSION_HINT, errno.EROFS: _PERMISSION_HINT}
_PERMISSION_ERRORS = (errno.EACCES, errno.EPERM, errno.EROFS)


@contextlib.contextmanager
def reported_errors(tool, debug):
    """Turn an error into one line on stderr and an exit code: 2 for bad input (or a full disk, or a permission
    the run lacks), 1 for a bug, 130 for Ctrl-C."""
    pysam.set_verbosity(0)  # htslib's own messages ([E::...], [W::...]) would come before or beside ours
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        typer.echo(f"{tool}: interrupted", err=True)
        raise typer.Exit(130) from None
    except InputError as error:
        if debug:
            raise
        typer.echo(f"{tool}: error: {_one_line(error)}", err=True)
        raise typer.Exit(2) from None
    except Exception as error:
        if debug:
            raise
        if isinstance(error, OSError) and error.errno in _ENVIRONMENT_ERRORS:  # the disk is full, or not ours
            where = f"{error.filename}: " if error.errno in _PERMISSION_ERRORS and error.filename else ""
            typer.echo(f"{tool}: error: {where}{os.strerror(error.errno)}; {_ENVIRONMENT_ERRORS[error.errno]} "
                       "(no partial output is left)", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"{tool}: internal error: {type(error).__name__}: {_one_line(error)} (rerun with --debug for "
                   "details)", err=True)
        raise typer.Exit(1) from None


def _one_line(error):
    """The error's message with its line breaks (and the indentation around them) made spaces: messages that
    quote another library's, such as PyTorch's, can span lines."""
    return re.sub(r"\s*\n\s*", " ", str(error).strip())


def one_task(task, task_names, purpose=""):
    """The task named by --task, or the model's only task; `purpose` completes "choose one ... with --task"."""
    if task is None and len(task_names) > 1:
        raise InputError(f"the model has {len(task_names)} tasks; choose one{purpose} with --task "
                         f"({', '.join(task_names)})")
    task = task or task_names[0]
    if task not in task_names:
        raise InputError(f"--task {task!r} is not a task of the model ({', '.join(task_names)})")
    return task


def beside(output, suffix):
    """The default path of a file written beside the model `output`: its name without .safetensors, plus
    `suffix` (e.g. ".metrics.json")."""
    stem = output.with_suffix("") if output.suffix == ".safetensors" else output
    return Path(f"{stem}{suffix}")


def check_choices(checks):
    """One error line for the first (flag, value, choices) whose value is not among its choices."""
    for flag, value, choices in checks:
        if value not in choices:
            raise InputError(f"{flag} {value!r}: choose {', '.join(choices)}")


_VCF_WRITE_MODES = {"v": "w", "z": "wz", "b": "wb"}  # bcftools' -O letters -> pysam write modes


def vcf_output_type(path, requested):
    """v, z or b: the --output-type asked for, or by default the one the output's name says."""
    if requested != "auto":
        if requested not in _VCF_WRITE_MODES:
            raise InputError(f"--output-type {requested!r}: choose v (VCF), z (bgzipped VCF) or b (BCF)")
        return requested
    name = str(path)
    return "b" if name.endswith(".bcf") else "z" if name.endswith((".gz", ".bgz")) else "v"


def annotated_header(variants, tool, replaced=()):
    """A copy of the header of `variants` for what `tool` (e.g. score_splicing) writes: END declared (htslib writes
    it for symbolic alleles, and BCF needs every INFO key declared), the INFO fields `replaced` removed (an input
    annotated before gets them anew), and the tool's version line."""
    header = variants.header.copy()
    if "END" not in header.info:
        header.info.add("END", 1, "Integer", "End position of the variant described in this record")
    for info_id in replaced:
        if info_id in header.info:
            header.info.remove_header(info_id)
    header.add_line(f"##genotools_{tool}_version={__version__}")
    return header


@contextlib.contextmanager
def vcf_writer(output, kind, header):
    """A pysam VariantFile writing a VCF or BCF of `kind` (v, z or b) with `header`: to standard output, or to a
    temporary file renamed (with its index) once complete."""
    if str(output) == "-":
        with pysam.VariantFile("-", _VCF_WRITE_MODES[kind], header=header) as out:
            yield out
        return
    with atomic_output(output) as tmp:
        with pysam.VariantFile(str(tmp), _VCF_WRITE_MODES[kind], header=header) as out:
            yield out
        if kind != "v":
            with atomic_output(f"{output}.{'tbi' if kind == 'z' else 'csi'}") as index:
                pysam.bcftools.index("-t" if kind == "z" else "-c", "-f", "-o", str(index), str(tmp))


def say(quiet, message):
    """A message for the user on stderr, unless --quiet."""
    if not quiet:
        typer.echo(message, err=True)


def progress_bar(quiet, *extra_columns):
    """A rich progress bar on stderr; silent with --quiet or when stderr is not a terminal."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), *extra_columns,
                    TimeElapsedColumn(), TimeRemainingColumn(), console=stderr,
                    disable=quiet or not sys.stderr.isatty())


class _LossAndThroughput(ProgressColumn):
    def render(self, task):
        loss = task.fields.get("loss")
        return Text("" if loss is None else f"loss {loss:.4f} {task.speed or 0:>6.0f} {task.fields['unit']}/s")


def training_bar(quiet):
    """The progress bar of a training run: `TrainingProgress(training_bar(quiet))` reports to it."""
    return progress_bar(quiet, _LossAndThroughput())


class TrainingProgress:
    """The genotools.fit.Progress of the tools (not a subclass, so that tools which train nothing do not import
    PyTorch): a bar per network over its epochs, with the validation loss, and one over the current epoch's items
    (`unit`), with the running training loss and throughput."""

    def __init__(self, bar, unit):
        self.bar, self.unit, self.run, self.epoch, self.name, self.steps = bar, unit, None, None, "", 0

    def start_run(self, name, epochs):
        self.name, self.run = name, self.bar.add_task(name, total=epochs)
        if self.epoch is None:
            self.epoch = self.bar.add_task("epoch", total=None, loss=float("nan"), unit=self.unit)

    def start_epoch(self, epoch, items):
        self.steps = 0
        self.bar.reset(self.epoch, total=items, description=f"  epoch {epoch}", loss=float("nan"), unit=self.unit)

    def advance(self, items, loss):
        self.steps += 1
        self.bar.update(self.epoch, advance=items, **({"loss": loss.item()} if self.steps % 10 == 1 else {}))

    def end_epoch(self, record):
        self.bar.update(self.run, completed=record["epoch"],
                        description=f"{self.name}: valid loss {record['valid_loss']:.4f}")

