"""Published models as genotools model files: the weights their authors distribute, read as data (HDF5 with h5py, a
frozen TensorFlow graph's protobuf decoded by genotools: no model code runs, nothing is unpickled, no TensorFlow),
checked layer by layer against the architecture they must have, and written as safetensors with what they are,
where they come from, their licence and citation.

SpliceAI 1.3.1 (Illumina; PyPI wheel spliceai==1.3.1) ships five Keras 2 models of the SpliceAI-10k architecture,
in spliceai/models/spliceai1.h5 ... spliceai5.h5. They are imported as one ensemble whose probabilities are their
mean, as SpliceAI scores with them. Their licence is CC BY-NC 4.0: non-commercial use only. SpliceAI's smaller
variants (80, 400 and 2,000 bases of context) differ only in their residual units, which the import reads from each
file's layer graph.

CI-SpliceAI 1.2.2 (Strauch et al. 2022; PyPI wheel cispliceai==1.2.2) ships five SpliceAI-10k networks trained on
curated alternative splice sites as one frozen TensorFlow graph that averages them (cispliceai/data/CI-SpliceAI.pb),
licensed CC BY 4.0. The graph's operations are read back into the Keras layers they were frozen from, and those
walked as SpliceAI's are.
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
from genotools.io.tensorflow_graph import Node, read_graph
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
CISPLICEAI_VERSION = "1.2.2"
CISPLICEAI_WHEEL = f"cispliceai-{CISPLICEAI_VERSION}-py3-none-any.whl"
CISPLICEAI_WHEEL_SHA256 = "def1db5358848a19533fd387e0620fc0df79784b9e6e1cba1a045ad6678e1da7"
CISPLICEAI_GRAPH = "cispliceai/data/CI-SpliceAI.pb"
CISPLICEAI_LICENCE = "CC BY 4.0: any use, with attribution (https://creativecommons.org/licenses/by/4.0/)"
CISPLICEAI_CITATION = ("Strauch Y, Lord J, Niranjan M, Baralle D. CI-SpliceAI: improving machine learning "
                       "predictions of disease causing splice variants using curated alternative splice sites. "
                       "PLoS One 17(6):e0269159 (2022). doi:10.1371/journal.pone.0269159")
_CISPLICEAI_WHAT_TO_GIVE = (f"give the {CISPLICEAI_WHEEL} wheel (pip download --no-deps "
                            f"cispliceai=={CISPLICEAI_VERSION}) or the CI-SpliceAI.pb graph it holds")


def import_spliceai(weights: list[Path]) -> tuple[nn.Module, dict]:
    """(the ensemble of the SpliceAI models that `weights` give, its metadata): `weights` is the spliceai 1.3.1
    wheel, a folder holding its five .h5 files, or .h5 files of SpliceAI's architecture. The models' residual units
    (kernel sizes, dilations: SpliceAI-80nt, -400nt, -2k or -10k) are read from their layer graphs, and must be the
    same in every model of an ensemble."""
    files, wheel_sha256 = _spliceai_files([Path(path) for path in weights])
    networks = [(name, _read_keras_spliceai(name, data)) for name, data in files]
    source = {"name": "SpliceAI", "version": SPLICEAI_VERSION, "url": "https://github.com/Illumina/SpliceAI",
              "wheel_sha256": wheel_sha256,
              "files": [{"name": Path(name).name, "sha256": hashlib.sha256(data).hexdigest()} for name, data in files]}
    return _ensemble(networks, source, SPLICEAI_LICENCE, SPLICEAI_CITATION)


def import_cispliceai(weights: list[Path]) -> tuple[nn.Module, dict]:
    """(the ensemble of CI-SpliceAI's networks, its metadata): `weights` is the cispliceai 1.2.2 wheel or the frozen
    graph it holds (CI-SpliceAI.pb): one graph whose output is the mean of its networks' (or one network)."""
    if len(weights) != 1 or Path(weights[0]).is_dir():
        raise InputError(f"--weights takes one file for cispliceai; {_CISPLICEAI_WHAT_TO_GIVE}")
    path = Path(weights[0])
    name, file_name, data, wheel_sha256 = str(path), path.name, path.read_bytes(), None
    if zipfile.is_zipfile(path):
        wheel_sha256 = _checked_wheel(path, data, CISPLICEAI_WHEEL, CISPLICEAI_WHEEL_SHA256, "cispliceai",
                                      CISPLICEAI_VERSION)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = archive.read(CISPLICEAI_GRAPH)
        name, file_name = f"{path}:{CISPLICEAI_GRAPH}", Path(CISPLICEAI_GRAPH).name
    try:
        nodes = {node.name: node for node in read_graph(data, name)}
    except InputError as error:
        raise InputError(f"{error}; {_CISPLICEAI_WHAT_TO_GIVE}") from None
    networks = []
    for number, output in enumerate(_ensemble_outputs(nodes, name), 1):
        network = f"{name} (network {number})"
        networks.append((network, _network(_FrozenGraph(nodes, output, network))))
    source = {"name": "CI-SpliceAI", "version": CISPLICEAI_VERSION,
              "url": "https://github.com/YStrauch/CI-SpliceAI__Annotation", "wheel_sha256": wheel_sha256,
              "files": [{"name": file_name, "sha256": hashlib.sha256(data).hexdigest()}]}
    return _ensemble(networks, source, CISPLICEAI_LICENCE, CISPLICEAI_CITATION)


SOURCES = {"spliceai": import_spliceai, "cispliceai": import_cispliceai}  # --source of genotools-import-model


def _ensemble(networks: list[tuple[str, tuple[dict, dict]]], source: dict, licence: str,
              citation: str) -> tuple[nn.Module, dict]:
    """(the ensemble of `networks`, [(name, (shape, state dict))], its metadata), their architectures checked equal."""
    (first_name, (shape, _)), *others = networks
    for name, (other, _) in others:
        if other != shape:
            raise InputError(f"{name}: its architecture ({_describe(other)}) differs from that of {first_name} "
                             f"({_describe(shape)}); the models of an ensemble must share one")
    model, hyperparameters = build_model("spliceai", 0, len(CLASSES), {**shape, "members": len(networks)},
                                         published=True)
    for member, (_, (_, state)) in zip(model.members, networks):
        member.load_state_dict(state)
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
        "source": source,
        "licence": licence,
        "citation": citation,
        "genotools_version": __version__,
    }
    return model.eval(), metadata


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
        sha256 = _checked_wheel(paths[0], wheel, SPLICEAI_WHEEL, SPLICEAI_WHEEL_SHA256, "spliceai", SPLICEAI_VERSION)
        with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
            members = [f"spliceai/models/{name}" for name in SPLICEAI_MODELS]
            return [(f"{paths[0]}:{member}", archive.read(member)) for member in members], sha256
    if any(path.is_dir() or zipfile.is_zipfile(path) for path in paths):
        raise InputError(f"--weights takes one wheel, one folder or .h5 files, not several of them: {_WHAT_TO_GIVE}")
    return [(str(path), path.read_bytes()) for path in paths], None


def _checked_wheel(path: Path, wheel: bytes, expected: str, sha256: str, package: str, version: str) -> str:
    """The sha256 of `wheel`, checked to be that of the wheel `expected`."""
    found = hashlib.sha256(wheel).hexdigest()
    if found != sha256:
        raise InputError(f"{path}: not the {expected} wheel (sha256 {found}, where that wheel's is {sha256}); "
                         f"download it with pip download --no-deps {package}=={version}")
    return found


def _read_keras_spliceai(name: str, data: bytes) -> tuple[dict, dict[str, torch.Tensor]]:
    """({channels, kernel_sizes, dilations}, the state dict of a SpliceAINet of that shape) of the Keras model file
    `name` (contents `data`)."""
    try:
        handle = h5py.File(io.BytesIO(data), "r")
    except OSError:
        raise InputError(f"{name}: not an HDF5 file; {_WHAT_TO_GIVE}") from None
    with handle:
        return _network(_KerasGraph(handle, name))


def _network(graph: "_LayerGraph") -> tuple[dict, dict[str, torch.Tensor]]:
    """({channels, kernel_sizes, dilations}, the state dict of a SpliceAINet of that shape) of a model's graph."""
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
        raise InputError(f"{graph.name}: weights of other shapes than its layers say ({error})") from None
    return shape, network.state_dict()


def _describe(shape: dict) -> str:
    return (f"{shape['channels']} channels, kernel sizes {shape['kernel_sizes']}, dilations {shape['dilations']}, "
            f"context {context(shape['kernel_sizes'], shape['dilations'])}")


class _LayerGraph:
    """A model's layer graph: each layer's Keras class and config and the layers whose outputs it takes, walked from
    the input, each layer checked against what SpliceAI has there. Subclasses read it from a file and give each
    layer's weights (weights_of)."""

    kind = "a model"  # what the file must be, for error messages
    advice = _WHAT_TO_GIVE

    def __init__(self, name: str, layers: dict[str, tuple[str, dict]], inputs: dict[str, list[str]], first: str,
                 last: str) -> None:
        self.name, self.layers, self.inputs, self.input, self.output = name, layers, inputs, first, last
        self.consumers = {layer: [] for layer in layers}
        for layer, sources in inputs.items():
            for source in sources:
                self.consumers[source].append(layer)
        self.visited = {first}

    def error(self, reason: str) -> InputError:
        return InputError(f"{self.name}: not {self.kind} of SpliceAI's architecture: {reason}; {self.advice}")

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
        """{kernel, bias, gamma, ...: array} of `layer`, named as Keras names them."""
        raise NotImplementedError


class _KerasGraph(_LayerGraph):
    """The layer graph of a Keras 2 functional model (its model_config attribute) and the layers' weights."""

    kind = "a Keras model"

    def __init__(self, handle: h5py.File, name: str) -> None:
        try:
            config = json.loads(handle.attrs["model_config"])["config"]
            layers = {layer["name"]: (layer["class_name"], dict(layer["config"])) for layer in config["layers"]}
            inputs = {layer["name"]: [node[0] for nodes in layer["inbound_nodes"] for node in nodes]
                      for layer in config["layers"]}
            [[first, *_]] = config["input_layers"]
            [[last, *_]] = config["output_layers"]
            super().__init__(name, layers, inputs, first, last)
            self.weights = handle["model_weights"]
        except (KeyError, TypeError, ValueError, IndexError):
            raise InputError(f"{name}: not a Keras model of SpliceAI's architecture: it has no Keras 2 layer graph "
                             f"(model_config) and weights (model_weights); {_WHAT_TO_GIVE}") from None

    def weights_of(self, layer: str) -> dict[str, np.ndarray]:
        """The weights of `layer`, named as Keras names them (conv1d_3/kernel:0) without scope and index."""
        try:
            group = self.weights[layer]
            names = [name.decode() if isinstance(name, bytes) else name for name in group.attrs["weight_names"]]
            return {name.rsplit("/", 1)[-1].split(":")[0]: np.asarray(group[name][()], dtype=np.float32)
                    for name in names}
        except (KeyError, TypeError, ValueError):
            raise self.error(f"the weights of layer {layer} are missing or unreadable") from None


# The TensorFlow operations that Keras freezes each layer SpliceAI uses into (a dilated Conv1D pads through
# SpaceToBatchND, a softmax activation subtracts the maximum).
_CONV_OPS = {"Const", "Identity", "ExpandDims", "Conv2D", "Squeeze", "BiasAdd", "SpaceToBatchND", "BatchToSpaceND",
             "Shape", "StridedSlice", "Pack", "AddV2", "Sub", "FloorMod", "Max", "Exp", "Sum", "RealDiv"}
_BATCH_NORM_OPS = {"Const", "Identity", "AddV2", "Rsqrt", "Mul", "Sub"}


class _FrozenGraph(_LayerGraph):
    """One network of a frozen TensorFlow graph of Keras models: the nodes that its output (`output`) depends on,
    grouped by the Keras layer whose name scope holds them (model/conv1d_3/...), each group read back into its layer's
    class, config and weights from the operations and constants it holds."""

    kind = "a TensorFlow graph"
    advice = _CISPLICEAI_WHAT_TO_GIVE

    def __init__(self, nodes: dict[str, Node], output: str, name: str) -> None:
        self.nodes, self.name, self.weights = nodes, name, {}
        scopes = {}
        for node in self._ancestors(output):
            scopes.setdefault(_scope(node.name), []).append(node)
        inputs = {layer: list(dict.fromkeys(_scope(source) for node in held for source in node.inputs
                                            if _scope(source) != layer))
                  for layer, held in scopes.items()}
        first = [layer for layer, held in scopes.items() if any(node.op == "Placeholder" for node in held)]
        if len(first) != 1:
            raise self.error(f"its output {output} depends on {len(first)} inputs (placeholders), where SpliceAI has "
                             "one")
        layers = {layer: self._layer(layer, held) for layer, held in scopes.items()}
        super().__init__(name, layers, inputs, first[0], _scope(output))

    def weights_of(self, layer: str) -> dict[str, np.ndarray]:
        return self.weights[layer]

    def _ancestors(self, output: str) -> list[Node]:
        found, pending = {}, [output]
        while pending:
            name = _node_name(pending.pop())
            if name not in found:
                if name not in self.nodes:
                    raise self.error(f"node {name} is missing")
                found[name] = self.nodes[name]
                pending += found[name].inputs
        return list(found.values())

    def _layer(self, layer: str, held: list[Node]) -> tuple[str, dict]:
        """(Keras class, config) of the layer whose nodes are `held`; its weights go to self.weights."""
        ops = {node.op for node in held}
        if ops == {"Placeholder"}:
            return "InputLayer", {}
        if ops == {"Relu"}:
            return "Activation", {"activation": "relu"}
        if ops == {"AddV2"}:
            return "Add", {}
        try:
            if ops == {"Const", "StridedSlice"}:
                return "Cropping1D", self._cropping(layer, held)
            if "Conv2D" in ops and ops <= _CONV_OPS:
                return "Conv1D", self._conv(layer, held, ops)
            if "Rsqrt" in ops and ops <= _BATCH_NORM_OPS:
                return "BatchNormalization", self._batch_norm(layer, held)
        except (IndexError, KeyError, TypeError, ValueError, StopIteration):  # an input or attribute missing
            raise self.error(f"layer {layer} is unreadable: its operations or constants are not what Keras "
                             "writes") from None
        return f"TensorFlow operations ({', '.join(sorted(ops))})", {}

    def _constant(self, name: str) -> np.ndarray | None:
        """The constant that node `name` passes on (through Identity and ExpandDims), or None."""
        node = self.nodes.get(_node_name(name))
        while node is not None and node.op in ("Identity", "ExpandDims"):
            node = self.nodes.get(_node_name(node.inputs[0]))
        return node.tensor() if node is not None and node.op == "Const" else None

    def _one(self, layer: str, held: list[Node], op: str, taking: str | None = None) -> Node:
        """The one node of `held` that runs `op` (on the output of node `taking`)."""
        found = [node for node in held if node.op == op and (taking is None or taking in node.inputs)]
        if len(found) != 1:
            raise self.error(f"layer {layer} has {len(found)} {op} operations" + (f" taking {taking}" if taking
                             else "") + ", where SpliceAI's has one")
        return found[0]

    def _conv(self, layer: str, held: list[Node], ops: set[str]) -> dict:
        conv = self._one(layer, held, "Conv2D")
        kernel = self._constant(conv.inputs[1])
        bias = self._constant(self._one(layer, held, "BiasAdd").inputs[1]) if "BiasAdd" in ops else None
        if kernel is None or kernel.ndim != 3:
            raise self.error(f"the kernel of layer {layer} is not a constant of three dimensions")
        self.weights[layer] = {"kernel": kernel.astype(np.float32)} | ({} if bias is None else
                                                                        {"bias": bias.astype(np.float32)})
        width = kernel.shape[0]
        if "SpaceToBatchND" in ops:  # a dilated convolution, its input padded by the base paddings [[before, after]]
            dilation = int(self._constant(self._one(layer, held, "SpaceToBatchND").inputs[1])[0])
            constants = [self._constant(node.name) for node in held if node.op == "Const"]
            padded = [constant.tolist() for constant in constants if constant.shape == (1, 2)]
            same = [[dilation * (width - 1) // 2] * 2]
            padding = "same" if padded == [same] else "valid" if padded == [[[0, 0]]] else f"explicit {padded}"
        else:
            dilation, padding = conv.integers("dilations")[2], conv.string("padding").lower()
        if "Exp" in ops:
            axis = self._constant(self._one(layer, held, "Max").inputs[1])
            activation = "softmax" if axis is not None and axis.tolist() in (-1, 2, [-1], [2]) else "softmax (axis)"
        else:
            activation = "linear"
        return {"filters": kernel.shape[2], "kernel_size": [width], "dilation_rate": [dilation],
                "strides": [conv.integers("strides")[2]], "padding": padding, "activation": activation,
                "use_bias": bias is not None}

    def _batch_norm(self, layer: str, held: list[Node]) -> dict:
        """Keras's inference-time batch normalisation, frozen as: scale = rsqrt(variance + epsilon) * gamma; output
        = input * scale + (beta - mean * scale)."""
        rsqrt = self._one(layer, held, "Rsqrt")
        added = [self._constant(name) for name in self.nodes[_node_name(rsqrt.inputs[0])].inputs]
        scale = self._one(layer, held, "Mul", taking=rsqrt.name)
        mean_scaled = [node for node in held if node.op == "Mul" and scale.name in node.inputs
                       and self._constant(next(name for name in node.inputs if name != scale.name)) is not None]
        if (any(value is None for value in added) or sorted(value.ndim for value in added) != [0, 1]
                or len(mean_scaled) != 1):
            raise self.error(f"layer {layer} is not batch normalisation as Keras freezes it")
        epsilon, variance = sorted(added, key=np.ndim)
        mean = self._constant(next(name for name in mean_scaled[0].inputs if name != scale.name))
        gamma = self._constant(next(name for name in scale.inputs if name != rsqrt.name))
        beta = self._constant(self._one(layer, held, "Sub", taking=mean_scaled[0].name).inputs[0])
        if gamma is None or beta is None:
            raise self.error(f"layer {layer} is not batch normalisation as Keras freezes it")
        self.weights[layer] = {"gamma": gamma, "beta": beta, "moving_mean": mean, "moving_variance": variance}
        # As Keras wrote it: the shortest decimal that the graph's float32 rounds to (0.001).
        return {"epsilon": float(np.format_float_positional(np.float32(epsilon))), "center": True, "scale": True}

    def _cropping(self, layer: str, held: list[Node]) -> dict:
        """Keras's Cropping1D: x[:, before:-after, :], a StridedSlice over the middle axis only."""
        node = self._one(layer, held, "StridedSlice")
        begin, end, strides = (self._constant(name) for name in node.inputs[1:])
        masks = [node.integer(mask) for mask in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                                                 "shrink_axis_mask")]
        if (begin is None or end is None or strides is None or begin.shape != (3,) or strides.tolist() != [1, 1, 1]
                or masks != [5, 5, 0, 0, 0] or end[1] > 0):
            return {"cropping": "another slice"}
        return {"cropping": [int(begin[1]), -int(end[1])]}


def _node_name(reference: str) -> str:
    """The node of an input reference ("name" or "name:1")."""
    return reference.split(":")[0]


def _scope(reference: str) -> str:
    """The Keras layer a node belongs to: its name scope below the model's (model_1/conv1d_3 for
    model_1/conv1d_3/conv1d/ExpandDims), or the node itself outside any layer."""
    parts = _node_name(reference).split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def _ensemble_outputs(nodes: dict[str, Node], name: str) -> list[str]:
    """The output of each network of a frozen graph whose last node is its output: the networks whose
    probabilities a Mean over a Pack averages, or the graph's one network."""
    *_, last = nodes.values()
    node = last
    while node.op == "Identity" and node.inputs:
        node = nodes.get(_node_name(node.inputs[0]))
        if node is None:
            raise InputError(f"{name}: not a TensorFlow graph of SpliceAI's architecture: node "
                             f"{last.inputs[0]} is missing; {_CISPLICEAI_WHAT_TO_GIVE}")
    if node.op == "Mean" and len(node.inputs) == 2 and all(_node_name(name) in nodes for name in node.inputs):
        stacked, axis = (nodes[_node_name(name)] for name in node.inputs)
        if stacked.op == "Pack" and stacked.integer("axis") == 0 and axis.op == "Const" and axis.tensor().tolist() in (
                0, [0]):
            return stacked.inputs
    return [node.name]


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
