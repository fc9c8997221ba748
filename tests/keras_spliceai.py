"""Keras model files of SpliceAI's architecture with synthetic weights, laid out as Keras 2.0.5 saved SpliceAI's (a
model_config attribute holding the layer graph as JSON, the weights under model_weights), and a numpy forward pass of
any such file: the tests of genotools-import-model and genotools-score-splicing need both, and may not ship SpliceAI's
own weights (CC BY-NC 4.0). SpliceAI was published with 80, 400, 2,000 and 10,000 bases of context (VARIANTS), which
differ only in their residual units.

`python tests/keras_spliceai.py OUTPUT.h5 [CONTEXT [SEED]]` writes such a file (context 10000 and seed 0 by
default: test-data/spliceai_synthetic.h5, whose kernels are sparse, so that it compresses to a few hundred kB).
"""

import json
import sys
from collections import Counter

import h5py
import numpy as np

KERNEL_SIZES = [11] * 8 + [21] * 4 + [41] * 4
DILATIONS = [1] * 4 + [4] * 4 + [10] * 4 + [25] * 4
# Context -> (kernel sizes, dilations) of SpliceAI's published variants (SpliceAI-80nt ... SpliceAI-10k).
VARIANTS = {80: ([11] * 4, [1] * 4), 400: ([11] * 8, [1] * 4 + [4] * 4),
            2000: ([11] * 8 + [21] * 4, [1] * 4 + [4] * 4 + [10] * 4), 10_000: (KERNEL_SIZES, DILATIONS)}
PREFIXES = {"InputLayer": "input", "Conv1D": "conv1d", "BatchNormalization": "batch_normalization",
            "Activation": "activation", "Add": "add", "Cropping1D": "cropping1d"}


class _Graph:
    """Layers as Keras 2 names and serialises them."""

    def __init__(self):
        self.layers, self.counts = [], Counter()

    def __call__(self, class_name, *inputs, **config):
        prefix = PREFIXES[class_name]
        self.counts[prefix] += 1
        name = f"{prefix}_{self.counts[prefix]}"
        self.layers.append({"class_name": class_name, "name": name, "config": {"name": name, **config},
                            "inbound_nodes": [[[source, 0, 0, {}] for source in inputs]] if inputs else []})
        return name


def _conv(graph, source, filters=32, kernel=1, dilation=1, padding="valid", activation="linear"):
    return graph("Conv1D", source, filters=filters, kernel_size=[kernel], strides=[1], padding=padding,
                 dilation_rate=[dilation], activation=activation, use_bias=True)


def spliceai_graph(kernel_sizes=KERNEL_SIZES, dilations=DILATIONS):
    """The model_config of SpliceAI's Keras model, built in the order of SpliceAI's own code."""
    graph = _Graph()
    source = graph("InputLayer", batch_input_shape=[None, None, 4], dtype="float32", sparse=False)
    x = _conv(graph, source)
    skip = _conv(graph, x)
    for index, (kernel, dilation) in enumerate(zip(kernel_sizes, dilations)):
        hidden = x
        for _ in range(2):
            hidden = graph("BatchNormalization", hidden, axis=-1, momentum=0.99, epsilon=0.001, center=True,
                           scale=True)
            hidden = graph("Activation", hidden, activation="relu")
            hidden = _conv(graph, hidden, kernel=kernel, dilation=dilation, padding="same")
        x = graph("Add", hidden, x)
        if (index + 1) % 4 == 0 or index + 1 == len(kernel_sizes):
            skip = graph("Add", skip, _conv(graph, x))
    crop = sum(d * (k - 1) for k, d in zip(kernel_sizes, dilations))
    output = _conv(graph, graph("Cropping1D", skip, cropping=[crop, crop]), filters=3, activation="softmax")
    return {"class_name": "Model", "config": {"name": "model_1", "layers": graph.layers,
                                              "input_layers": [[source, 0, 0]], "output_layers": [[output, 0, 0]]}}


def write_spliceai_keras(path, seed=0, kernel_sizes=KERNEL_SIZES, dilations=DILATIONS, density=0.03):
    """A Keras model file of the graph of `spliceai_graph`, with random weights (a fraction `density` of the kernels'
    weights non-zero)."""
    rng = np.random.default_rng(seed)
    model = spliceai_graph(kernel_sizes, dilations)
    layers = model["config"]["layers"]
    with h5py.File(path, "w", libver="latest") as handle:
        handle.attrs.update(keras_version="2.0.5", backend="tensorflow", model_config=json.dumps(model))
        weights = handle.create_group("model_weights")
        weights.attrs.update(keras_version="2.0.5", backend="tensorflow",
                             layer_names=[layer["name"].encode() for layer in layers])
        for layer in layers:
            group = weights.create_group(layer["name"])
            arrays = _random_weights(layer, rng, density)
            group.attrs["weight_names"] = np.array([f"{layer['name']}/{name}:0".encode() for name in arrays])
            for name, array in arrays.items():
                packed = dict(compression="gzip", compression_opts=9, shuffle=True) if array.size > 1000 else {}
                group.create_dataset(f"{layer['name']}/{name}:0", data=array.astype(np.float32), **packed)


def _random_weights(layer, rng, density):
    config = layer["config"]
    if layer["class_name"] == "Conv1D":
        width, filters = config["kernel_size"][0], config["filters"]
        inputs = 4 if layer["name"] == "conv1d_1" else 32
        mask = rng.random((width, inputs, filters)) < density
        kernel = np.round(rng.normal(0, 1, mask.shape) / np.sqrt(width * inputs * density), 2) * mask
        return {"kernel": kernel, "bias": np.round(rng.normal(0, 0.1, filters), 2)}
    if layer["class_name"] == "BatchNormalization":
        return {"gamma": rng.uniform(0.5, 1.5, 32), "beta": rng.normal(0, 0.1, 32),
                "moving_mean": rng.normal(0, 0.2, 32), "moving_variance": rng.uniform(0.5, 2, 32)}
    return {}


def keras_forward(handle, onehot):
    """The output of the Keras model in the open HDF5 file `handle` for `onehot` (batch, length, 4), computed layer
    by layer from its model_config in float64 numpy: Conv1D ('same' or 'valid' padding, dilation), batch
    normalisation, ReLU, softmax, Add and Cropping1D, as Keras defines them."""
    config = json.loads(handle.attrs["model_config"])["config"]
    layers = {layer["name"]: layer for layer in config["layers"]}
    values = {config["input_layers"][0][0]: onehot.astype(np.float64)}

    def weights(name):
        group = handle["model_weights"][name]
        return {key.decode().split("/")[-1].split(":")[0]: np.asarray(group[key], dtype=np.float64)
                for key in group.attrs["weight_names"]}

    def value(name):
        if name not in values:
            layer = layers[name]
            inputs = [value(node[0]) for node in layer["inbound_nodes"][0]]
            values[name] = _apply(layer["class_name"], layer["config"], inputs, weights(name))
        return values[name]

    return value(config["output_layers"][0][0])


def _apply(class_name, config, inputs, weights):
    x = inputs[0]
    if class_name == "Conv1D":
        kernel, dilation = weights["kernel"], config["dilation_rate"][0]
        reach = dilation * (kernel.shape[0] - 1)
        if config["padding"] == "same":
            x = np.pad(x, ((0, 0), (reach // 2, reach - reach // 2), (0, 0)))
        length = x.shape[1] - reach
        out = weights["bias"] + sum(x[:, tap * dilation:tap * dilation + length] @ kernel[tap]
                                    for tap in range(kernel.shape[0]))
        if config["activation"] == "softmax":
            out = np.exp(out - out.max(-1, keepdims=True))
            return out / out.sum(-1, keepdims=True)
        assert config["activation"] == "linear"
        return out
    if class_name == "BatchNormalization":
        scale = weights["gamma"] / np.sqrt(weights["moving_variance"] + config["epsilon"])
        return (x - weights["moving_mean"]) * scale + weights["beta"]
    if class_name == "Activation":
        assert config["activation"] == "relu"
        return np.maximum(x, 0)
    if class_name == "Add":
        return sum(inputs)
    if class_name == "Cropping1D":
        start, end = config["cropping"]
        return x[:, start:x.shape[1] - end]
    raise AssertionError(f"no numpy forward pass of {class_name}")


def write_variant(path, context=10_000, seed=0):
    """The Keras file of SpliceAI's variant with `context`: the 10k one sparse (it is committed compressed), the
    smaller ones denser, so that a variant changes most of the positions it can reach."""
    kernel_sizes, dilations = VARIANTS[context]
    write_spliceai_keras(path, seed, kernel_sizes, dilations, density=0.03 if context == 10_000 else 0.3)


if __name__ == "__main__":
    write_variant(sys.argv[1], *(int(argument) for argument in sys.argv[2:]))
