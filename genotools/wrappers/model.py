"""A tool's command line and spec as one description that every platform renderer reads.

Every option of the command line is either exposed on the platforms (an input file, an output file or a
parameter) or named in the spec's `runtime` list (options the platform sets itself, such as --device or
--quiet). An option the spec does not account for, or a spec entry the command line lacks, is an error: so a
descriptor cannot silently drift from its CLI.
"""

import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from genotools import __version__

if TYPE_CHECKING:
    import click  # only for hints: the renderers need no command-line library

# The distribution's name on PyPI and bioconda ("genotools" on PyPI is another project's placeholder); the import
# package and the commands keep the name genotools.
DISTRIBUTION = "genotools-dl"
HOMEPAGE = "https://github.com/genotools/genotools"  # setup.py says it again: it cannot import genotools
LICENCE = "MIT"
# The containers every descriptor refers to: the BioContainers image that bioconda builds from the recipe
# (recipes/genotools-dl), and the one extra image, with a CUDA 12 build of PyTorch (containers/Dockerfile.cuda).
CPU_IMAGE = f"quay.io/biocontainers/{DISTRIBUTION}:{__version__}--pyhdfd78af_0"
GPU_IMAGE = f"ghcr.io/genotools/{DISTRIBUTION}:{__version__}-cuda12.6"

# Galaxy datatype -> EDAM format.
EDAM_FORMATS = {
    "fasta": "format_1929",
    "bed": "format_3003",
    "vcf": "format_3016",
    "vcf_bgzip": "format_3016",
    "h5": "format_3590",
    "safetensors": "format_2333",
    "tabular": "format_3475",
    "bedgraph": "format_3583",
    "png": "format_3603",
    "json": "format_3464",
    "obo": "format_2549",
    "txt": "format_2330",
    "html": "format_2331",
    "protobuf3": "format_2333",  # binary: EDAM has no protobuf format
    "zip": "format_3987",
}

KINDS = {int: "integer", float: "float", bool: "boolean", str: "text", Path: "file"}


@dataclass
class Option:
    name: str  # Python name, e.g. seq_len
    flag: str  # the long option, e.g. --seq-len
    kind: str  # integer, float, boolean, text or file
    help: str
    required: bool
    default: object  # None when the CLI has no default
    multiple: bool = False  # may be repeated
    off_flag: str | None = None  # e.g. --no-reverse-complement for boolean switches
    minimum: float | None = None
    maximum: float | None = None
    choices: list | None = None  # from the spec, for text options with a fixed set of values
    role: str = "parameter"  # parameter, input or output
    format: str | None = None  # Galaxy datatype of a file, or "directory" for an output folder
    also: list[str] = field(default_factory=list)  # Galaxy datatypes an input file may have besides its format
    label: str = ""  # short human label for forms
    contents: dict | None = None  # an output folder's files: {name: {path, format, label}}
    collection: str | None = None  # or: the format of an output folder's files, any number, named by the tool
    suffix: str = ""  # what an output file's name ends with before its extension, for tools that find files by name
    named: bool = False  # the tool reads meaning from an input file's name (e.g. a task name), so keep it


@dataclass
class Tool:
    name: str  # e.g. encode, or drug-response-train for a subcommand
    command: str  # the words that run it, e.g. genotools-encode or genotools-drug-response train
    version: str
    label: str  # Galaxy tool name, e.g. "Encode sequences"
    description: str  # a short phrase completing the label
    help: str  # the command's full help text
    example: str
    options: list
    gpu: bool
    edam_operations: list
    edam_topics: list
    citations: list  # DOIs
    tests: list  # [{name, options: {option: value}, outputs: {output or folder content: {expectation: value}}}]
    runtime: list  # options the platform sets itself
    input_groups: list = field(default_factory=list)  # [{name, label, cases: {case: {label, options, optional}}}]
    fixed: dict = field(default_factory=dict)  # {long option: value} the platforms always pass, e.g. an output type

    @property
    def inputs(self) -> list[Option]:
        return [o for o in self.options if o.role == "input"]

    @property
    def outputs(self) -> list[Option]:
        return [o for o in self.options if o.role == "output"]

    @property
    def parameters(self) -> list[Option]:
        return [o for o in self.options if o.role == "parameter"]

    def option(self, name: str) -> Option:
        return next(o for o in self.options if o.name == name)


def _python_type(annotation):
    """int, float, bool, str or Path from an annotation such as Optional[Path] or list[str]."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return _python_type(next(a for a in typing.get_args(annotation) if a is not type(None)))
    if origin is list:
        return _python_type(typing.get_args(annotation)[0])
    return annotation


def command_flag(command: "click.Command", name: str) -> str:
    """The long option of parameter `name` of a Typer command."""
    param = next(p for p in command.params if p.name == name)
    return next(o for o in param.opts if o.startswith("--"))


def describe(command: "click.Command", function: Callable, spec_path: Path | str, command_line: str) -> Tool:
    """A Tool from a Typer `command` (typer.main.get_command), the Python `function` behind it, its spec, and
    the `command_line` that runs it."""
    spec = yaml.safe_load(Path(spec_path).read_text())
    name = Path(spec_path).stem
    hints = typing.get_type_hints(function)
    doc, _, example = inspect.cleandoc(function.__doc__).partition("\n\n\b\nExample:\n")
    files, choices, runtime = spec.get("files", {}), spec.get("choices", {}), spec["runtime"]
    fixed = spec.get("fixed", {})
    labels = spec.get("labels", {})
    options = []
    for param in command.params:
        if param.name in runtime or param.name in fixed:
            continue
        kind = KINDS[_python_type(hints[param.name])]
        option = Option(
            name=param.name,
            flag=next(o for o in param.opts if o.startswith("--")),
            kind=kind,
            help=" ".join((param.help or "").split()),
            required=param.required,
            default=None if param.required else param.default,
            multiple=param.multiple,
            off_flag=param.secondary_opts[0] if param.secondary_opts else None,
            minimum=getattr(param, "min", None),
            maximum=getattr(param, "max", None),
            choices=choices.get(param.name),
            label=labels.get(param.name, param.name.replace("_", " ").capitalize()),
        )
        if kind == "file":
            if param.name not in files:
                raise ValueError(f"{spec_path}: file option {option.flag} needs an entry under 'files'")
            info = files[param.name]
            option.role = "output" if info.get("output") else "input"
            option.format = info["format"]
            option.also = info.get("also", [])
            option.contents = info.get("contents")
            option.collection = info.get("collection")
            option.suffix = info.get("suffix", "")
            option.named = info.get("named", False)
            if option.format == "directory" and not (option.contents or option.collection):
                raise ValueError(f"{spec_path}: folder {option.flag} needs its 'contents' or a 'collection' format")
        options.append(option)
    known = {p.name for p in command.params}
    unknown = (set(files) | set(choices) | set(labels) | set(runtime) | set(fixed)) - known
    if unknown:
        raise ValueError(f"{spec_path}: names options the command does not have: {', '.join(sorted(unknown))}")
    return Tool(
        name=name,
        command=command_line,
        version=__version__,
        label=spec["label"],
        description=spec["description"],
        help=doc,
        example=example.strip(),
        options=options,
        gpu=bool(spec.get("gpu")),
        edam_operations=spec.get("edam", {}).get("operations", []),
        edam_topics=spec.get("edam", {}).get("topics", []),
        citations=spec.get("citations", []),
        tests=spec.get("tests", []),
        runtime=runtime,
        input_groups=spec.get("input_groups", []),
        fixed={command_flag(command, name): value for name, value in fixed.items()},
    )
