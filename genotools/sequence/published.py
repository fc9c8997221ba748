"""Published models as genotools model files: the weights their authors distribute, read as data (HDF5 with h5py:
no model code runs, nothing is unpickled, no TensorFlow), checked layer by layer against the architecture they
must have, and written as safetensors with what they are, where they come from, their licence and citation.

SpliceAI 1.3.1 (Illumina; PyPI wheel spliceai==1.3.1) ships five Keras 2 models of the SpliceAI-10k architecture,
in spliceai/models/spliceai1.h5 ... spliceai5.h5. They are imported as one ensemble whose probabilities are their
mean, as SpliceAI scores with them. Their licence is CC BY-NC 4.0: non-commercial use only. SpliceAI's smaller
variants (80, 400 and 2,000 bases of context) differ only in their residual units, which the import reads from each
file's layer graph.
"""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import h5py
import numpy as np
import torch
from torch import nn

from genotools import __version__
from genotools.checkpoint import load_weights, read_metadata
from genotools.errors import InputError
from genotools.sequence.encoding import ALPHABET, UNKNOWN_BASE_ENCODING
from genotools.sequence.models import build_model
from genotools.sequence.models.spliceai import BATCH_NORM_EPSILON, CLASSES, GROUP, SpliceAINet, context

KIND = "splice"  # the "kind" of an imported splice model's metadata
SPLICEAI_VERSION = "1.3.1"
SPLICEAI_WHEEL = f"spliceai-{SPLICEAI_VERSION}-py2.py3-none-any.whl"
SPLICEAI_WHEEL_SHA256 = "63c633b8de6803d4ffb613e6ef62f1a896fec9fc13245c0f000ff7adea279776"
SPLICEAI_MODELS = [f"spliceai{number}.h5" for number in range(1, 6)]
SPLICEAI_LICENCE = "CC BY-NC 4.0: non-commercial use only (https://creativecommons.org/licenses/by-nc/4.0/)"
SPLICEAI_CITATION = ("Jaganathan K, Kyriazopoulou Panagiotopoulou S, McRae JF, et al. Predicting splicing from "
                     "primary sequence with deep learning. Cell 176(3):535-548 (2019). doi:10.1016/j.cell.2018.12.015")
_WHAT_TO_GIVE = (f"give the {SPLICEAI_WHEEL} wheel (pip download --no-deps spliceai=={SPLICEAI_VERSION}), a folder "
                 "holding spliceai1.h5 ... spliceai5.h5, or such .h5 files")


def import_spliceai(weights: list[Path]) -> tuple[nn.Module, dict]:
    """(the ensemble of the SpliceAI models that `weights` give, its metadata): `weights` is the spliceai 1.3.1
    wheel, a folder holding its five .h5 files, or .h5 files of SpliceAI's architecture. The models' residual units
    (kernel sizes, dilations: SpliceAI-80nt, -400nt, -2k or -10k) are read from their layer graphs, and must be the
    same in every model of an ensemble."""
    files, wheel_sha256 = _spliceai_files([Path(path) for path in weights])
    members = [_read_keras_spliceai(name, data) for name, data in files]
    (first_name, _), (shape, _) = files[0], members[0]
    for (name, _), (other, _) in zip(files[1:], members[1:]):
        if other != shape:
            raise InputError(f"{name}: its architecture ({_describe(other)}) differs from that of {first_name} "
                             f"({_describe(shape)}); the models of an ensemble must share one")
    model, hyperparameters = build_model("spliceai", 0, len(CLASSES), {**shape, "members": len(files)},
                                         published=True)
    for network, (_, state) in zip(model.members, members):
        network.load_state_dict(state)
    metadata = {
        "kind": KIND,
        "architecture": "spliceai",
        "hyperparameters": hyperparameters,
        "context": context(hyperparameters["kernel_sizes"], hyperparameters["dilations"]),
        "input": "one-hot sequences of any length above the context; a prediction for each position but the "
                 "context's half at each end",
        "alphabet": ALPHABET,
        "unknown_base_encoding": UNKNOWN_BASE_ENCODING,
        "output_classes": list(CLASSES),
        "ensemble": "the mean of the members' probabilities",
        "source": {"name": "SpliceAI", "version": SPLICEAI_VERSION, "url": "https://github.com/Illumina/SpliceAI",
                   "wheel_sha256": wheel_sha256,
                   "files": [{"name": Path(name).name, "sha256": hashlib.sha256(data).hexdigest()}
                             for name, data in files]},
        "licence": SPLICEAI_LICENCE,
        "citation": SPLICEAI_CITATION,
        "genotools_version": __version__,
    }
    return model.eval(), metadata


SOURCES = {"spliceai": import_spliceai}  # --source of genotools-import-model -> its importer


def load_splice_model(path: Path | str) -> tuple[nn.Module, dict]:
    """(model in eval mode on the CPU, metadata) from a file that genotools-import-model wrote."""
    metadata = read_metadata(path)
    if metadata.get("kind") != KIND:
        trained = "architecture" in metadata and "kind" not in metadata
        what = "a sequence model from genotools-train (score variants with it in genotools-score-variants)" \
            if trained else "not an imported splice model"
        raise InputError(f"{path}: {what}; give a splice model that genotools-import-model wrote")
    model, _ = build_model(metadata["architecture"], 0, len(metadata["output_classes"]), metadata["hyperparameters"],
                           published=True)
    return load_weights(path, model, "the architecture in its metadata"), metadata


def _spliceai_files(paths: list[Path]) -> tuple[list[tuple[str, bytes]], str | None]:
    """([(name, contents)] of the .h5 models that `paths` give, the sha256 of the wheel they came from or None)."""
    if len(paths) == 1 and paths[0].is_dir():
        missing = [name for name in SPLICEAI_MODELS if not (paths[0] / name).is_file()]
        if missing:
            raise InputError(f"{paths[0]}: the folder lacks {', '.join(missing)}; {_WHAT_TO_GIVE}")
        return [(str(paths[0] / name), (paths[0] / name).read_bytes()) for name in SPLICEAI_MODELS], None
    if len(paths) == 1 and zipfile.is_zipfile(paths[0]):
        wheel = paths[0].read_bytes()
        sha256 = hashlib.sha256(wheel).hexdigest()
        if sha256 != SPLICEAI_WHEEL_SHA256:
            raise InputError(f"{paths[0]}: not the {SPLICEAI_WHEEL} wheel (sha256 {sha256}, where that wheel's is "
                             f"{SPLICEAI_WHEEL_SHA256}); download it with pip download --no-deps "
                             f"spliceai=={SPLICEAI_VERSION}")
        with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
            members = [f"spliceai/models/{name}" for name in SPLICEAI_MODELS]
            return [(f"{paths[0]}:{member}", archive.read(member)) for member in members], sha256
    if any(path.is_dir() or zipfile.is_zipfile(path) for path in paths):
        raise InputError(f"--weights takes one wheel, one folder or .h5 files, not several of them: {_WHAT_TO_GIVE}")
    return [(str(path), path.read_bytes()) for path in paths], None


def _read_keras_spliceai(name: str, data: bytes) -> tuple[dict, dict[str, torch.Tensor]]:
    """({channels, kernel_sizes, dilations}, the state dict of a SpliceAINet of that shape) of the Keras model file
    `name` (contents `data`)."""
    try:
        handle = h5py.File(io.BytesIO(data), "r")
    except OSError:
        raise InputError(f"{name}: not an HDF5 file; {_WHAT_TO_GIVE}") from None
    with handle:
        graph = _KerasGraph(handle, name)
        layers, shape = _spliceai_layers(graph)
        network = SpliceAINet(shape["channels"], shape["kernel_sizes"], shape["dilations"], len(CLASSES))
        state = network.state_dict()
        for key, layer in layers.items():
            converted = _conv if graph.layers[layer][0] == "Conv1D" else _batch_norm
            for parameter, array in converted(graph, layer).items():
                state[f"{key}.{parameter}"] = torch.from_numpy(array)
    try:
        network.load_state_dict(state)
    except RuntimeError as error:
        raise InputError(f"{name}: weights of other shapes than its layers say ({error})") from None
    return shape, network.state_dict()


def _describe(shape: dict) -> str:
    return (f"{shape['channels']} channels, kernel sizes {shape['kernel_sizes']}, dilations {shape['dilations']}, "
            f"context {context(shape['kernel_sizes'], shape['dilations'])}")


class _KerasGraph:
    """The layer graph of a Keras 2 functional model (its model_config attribute) and the layers' weights, walked
    from the input, each layer checked against what the architecture has there."""

    def __init__(self, handle: h5py.File, name: str) -> None:
        self.name = name
        try:
            config = json.loads(handle.attrs["model_config"])["config"]
            self.layers = {layer["name"]: (layer["class_name"], dict(layer["config"])) for layer in config["layers"]}
            self.inputs = {layer["name"]: [node[0] for nodes in layer["inbound_nodes"] for node in nodes]
                           for layer in config["layers"]}
            [[self.input, *_]] = config["input_layers"]
            [[self.output, *_]] = config["output_layers"]
            self.consumers = {layer: [] for layer in self.layers}
            for layer, sources in self.inputs.items():
                for source in sources:
                    self.consumers[source].append(layer)
            self.weights = handle["model_weights"]
        except (KeyError, TypeError, ValueError, IndexError):
            raise self.error("it has no Keras 2 layer graph (model_config) and weights (model_weights)") from None
        self.visited = {self.input}

    def error(self, reason: str) -> InputError:
        return InputError(f"{self.name}: not a Keras model of SpliceAI's architecture: {reason}; {_WHAT_TO_GIVE}")

    def next(self, layer: str, class_name: str, **config) -> str:
        """The one layer of `class_name` that takes the output of `layer`, checked to have `config`."""
        found = [name for name in self.consumers[layer] if self.layers[name][0] == class_name]
        if len(found) != 1:
            raise self.error(f"{len(found)} {class_name} layers take the output of layer {layer}, where SpliceAI "
                             "has one")
        name = found[0]
        for key, expected in config.items():
            value = self.layers[name][1].get(key)
            if value != expected:
                raise self.error(f"layer {name} has {key} {json.dumps(value)} where SpliceAI has "
                                 f"{json.dumps(expected)}")
        self.visited.add(name)
        return name

    def takes(self, layer: str, class_name: str) -> bool:
        """Whether a layer of `class_name` takes the output of `layer`."""
        return any(self.layers[name][0] == class_name for name in self.consumers[layer])

    def add(self, first: str, second: str) -> str:
        """The Add layer that sums the outputs of `first` and `second`, and nothing else."""
        name = self.next(first, "Add")
        if sorted(self.inputs[name]) != sorted([first, second]):
            raise self.error(f"layer {name} adds {', '.join(self.inputs[name])} where SpliceAI adds {first} and "
                             f"{second}")
        return name

    def end(self, last: str) -> None:
        """Check that `last` is the model's output and that every layer was walked."""
        if self.output != last:
            raise self.error(f"its output is layer {self.output}, not {last}, where SpliceAI ends")
        unwalked = sorted(set(self.layers) - self.visited)
        if unwalked:
            raise self.error(f"it has layers that SpliceAI lacks: {', '.join(unwalked)}")

    def weights_of(self, layer: str) -> dict[str, np.ndarray]:
        """{kernel, bias, gamma, ...: array} of `layer`, named as Keras names them (conv1d_3/kernel:0)."""
        try:
            group = self.weights[layer]
            names = [name.decode() if isinstance(name, bytes) else name for name in group.attrs["weight_names"]]
            return {name.rsplit("/", 1)[-1].split(":")[0]: np.asarray(group[name][()], dtype=np.float32)
                    for name in names}
        except (KeyError, TypeError, ValueError):
            raise self.error(f"the weights of layer {layer} are missing or unreadable") from None


def _spliceai_layers(graph: _KerasGraph) -> tuple[dict[str, str], dict]:
    """({module of a SpliceAINet: the Keras layer that holds its weights}, {channels, kernel_sizes, dilations}),
    from a walk of the whole graph: the residual units are counted, and their kernel sizes and dilations read, as
    the walk meets them."""
    conv = dict(kernel_size=[1], dilation_rate=[1], strides=[1], padding="valid", activation="linear", use_bias=True)
    batch_norm = dict(epsilon=BATCH_NORM_EPSILON, center=True, scale=True)
    layers = {}
    x = layers["stem"] = graph.next(graph.input, "Conv1D", **conv)
    channels = graph.layers[x][1].get("filters")
    if not isinstance(channels, int) or channels < 1:
        raise graph.error(f"layer {x} has filters {json.dumps(channels)}")
    conv["filters"] = channels
    skip = layers["skip"] = graph.next(x, "Conv1D", **conv)
    kernel_sizes, dilations = [], []
    while graph.takes(x, "BatchNormalization"):
        index = len(kernel_sizes)
        hidden = x
        for part in (1, 2):
            hidden = layers[f"units.{index}.norm{part}"] = graph.next(hidden, "BatchNormalization", **batch_norm)
            hidden = graph.next(hidden, "Activation", activation="relu")
            if part == 1:
                kernel, dilation = _dilated_shape(graph, graph.next(hidden, "Conv1D"))
            dilated = dict(conv, kernel_size=[kernel], dilation_rate=[dilation], padding="same")
            hidden = layers[f"units.{index}.conv{part}"] = graph.next(hidden, "Conv1D", **dilated)
        x = graph.add(hidden, x)
        kernel_sizes.append(kernel)
        dilations.append(dilation)
        if (index + 1) % GROUP == 0 or not graph.takes(x, "BatchNormalization"):
            tap = layers[f"taps.{index // GROUP}"] = graph.next(x, "Conv1D", **conv)
            skip = graph.add(skip, tap)
    if not kernel_sizes:
        raise graph.error(f"no residual unit (batch normalisation) takes the output of layer {x}")
    crop = context(kernel_sizes, dilations) // 2
    cropped = graph.next(skip, "Cropping1D", cropping=[crop, crop])
    layers["classifier"] = graph.next(cropped, "Conv1D", **dict(conv, filters=len(CLASSES), activation="softmax"))
    graph.end(layers["classifier"])
    return layers, {"channels": channels, "kernel_sizes": kernel_sizes, "dilations": dilations}


def _dilated_shape(graph: _KerasGraph, layer: str) -> tuple[int, int]:
    """(kernel size, dilation) of the convolution `layer` of a residual unit."""
    config = graph.layers[layer][1]
    kernel, dilation = config.get("kernel_size"), config.get("dilation_rate")
    if not (isinstance(kernel, list) and isinstance(dilation, list) and len(kernel) == len(dilation) == 1
            and all(isinstance(value, int) and value >= 1 for value in kernel + dilation)):
        raise graph.error(f"layer {layer} has kernel_size {json.dumps(kernel)} and dilation_rate "
                          f"{json.dumps(dilation)}, where SpliceAI has one positive number each")
    if dilation[0] * (kernel[0] - 1) % 2:  # Keras pads such a 'same' convolution unevenly
        raise graph.error(f"layer {layer} has an even kernel_size {kernel[0]}, where SpliceAI's are odd")
    return kernel[0], dilation[0]


def _conv(graph: _KerasGraph, layer: str) -> dict[str, np.ndarray]:
    weights = _named(graph, layer, {"kernel": 3, "bias": 1})
    # Keras kernels are (width, in, out); PyTorch's are (out, in, width).
    return {"weight": np.ascontiguousarray(weights["kernel"].transpose(2, 1, 0)), "bias": weights["bias"]}


def _batch_norm(graph: _KerasGraph, layer: str) -> dict[str, np.ndarray]:
    weights = _named(graph, layer, {"gamma": 1, "beta": 1, "moving_mean": 1, "moving_variance": 1})
    return {"weight": weights["gamma"], "bias": weights["beta"], "running_mean": weights["moving_mean"],
            "running_var": weights["moving_variance"]}


def _named(graph: _KerasGraph, layer: str, dimensions: dict[str, int]) -> dict[str, np.ndarray]:
    """The weights of `layer`, checked to be those named in `dimensions`, each with its number of dimensions."""
    weights = graph.weights_of(layer)
    if sorted(weights) != sorted(dimensions):
        raise graph.error(f"layer {layer} has weights {', '.join(weights) or 'none'} where SpliceAI has "
                          f"{', '.join(dimensions)}")
    for name, array in weights.items():
        if array.ndim != dimensions[name]:
            raise graph.error(f"the {name} of layer {layer} has {array.ndim} dimensions, not {dimensions[name]}")
    return weights
