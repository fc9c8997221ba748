"""genotools-import-model: SpliceAI's published weights become a model file whose forward pass is that of the
Keras files (computed here in numpy, layer by layer from their own layer graph), CI-SpliceAI's frozen TensorFlow graph
one whose forward pass is that of the graph (its operations run here in numpy), and anything else is refused with one
line. SpliceAI's weights are downloaded from PyPI by the tests: their licence (CC BY-NC 4.0) keeps them out of the
repository; the tests that need no download use Keras files of the same architecture with synthetic weights.
CI-SpliceAI's graph (16 MB) is downloaded too."""

import dataclasses
import io
import json
import zipfile

import h5py
import numpy as np
import pytest
import torch
from frozen_graph import encode_graph, float_constant, run_graph
from helpers import TEST_DATA, error_line, run_tool
from keras_spliceai import VARIANTS, keras_forward, write_spliceai_keras, write_variant
from safetensors.torch import load_file

from genotools.errors import InputError
from genotools.io.tensorflow_graph import read_graph
from genotools.sequence.models import build_model
from genotools.sequence.published import (
    CISPLICEAI_CITATION,
    CISPLICEAI_GRAPH,
    CISPLICEAI_LICENCE,
    CISPLICEAI_WHEEL_SHA256,
    SPLICEAI_CITATION,
    SPLICEAI_LICENCE,
    SPLICEAI_MODELS,
    SPLICEAI_WHEEL_SHA256,
    load_splice_model,
)

SYNTHETIC = TEST_DATA / "spliceai_synthetic.h5"
SPLICEAI80 = TEST_DATA / "spliceai80_synthetic.safetensors"
POSITIONS = 100  # predicted positions per sequence, beside the 10,000 bases of context


def random_sequences(count, length, seed=0):
    """One-hot sequences (count, length, 4) of random bases, about one in fifty an N (all zeros)."""
    codes = np.random.default_rng(seed).choice(5, size=(count, length), p=[0.245] * 4 + [0.02])
    return np.eye(5)[codes][:, :, :4]


def predict(model, onehot):
    with torch.no_grad():
        return model(torch.from_numpy(onehot).float()).numpy()


def test_spliceai_imports_as_the_mean_of_its_five_keras_models(spliceai_wheel, imported):
    output, message = imported
    assert "CC BY-NC 4.0: non-commercial use only" in message
    model, metadata = load_splice_model(output)
    assert metadata["licence"] == SPLICEAI_LICENCE and metadata["citation"] == SPLICEAI_CITATION
    assert metadata["context"] == 10_000 and metadata["output_classes"] == ["neither", "acceptor", "donor"]
    assert metadata["hyperparameters"]["members"] == 5
    assert metadata["source"]["wheel_sha256"] == SPLICEAI_WHEEL_SHA256
    assert [file["name"] for file in metadata["source"]["files"]] == SPLICEAI_MODELS

    onehot = random_sequences(2, 10_000 + POSITIONS)
    predicted = predict(model, onehot)
    with zipfile.ZipFile(spliceai_wheel) as wheel:
        expected = np.mean([keras_forward(h5py.File(io.BytesIO(wheel.read(f"spliceai/models/{name}"))), onehot)
                            for name in SPLICEAI_MODELS], axis=0)
    assert predicted.shape == expected.shape == (2, POSITIONS, 3)
    np.testing.assert_allclose(predicted, expected, rtol=0, atol=1e-5)


def test_the_folder_of_the_five_models_imports_as_the_wheel_does(spliceai_wheel, imported, tmp_path):
    with zipfile.ZipFile(spliceai_wheel) as wheel:
        for name in SPLICEAI_MODELS:
            (tmp_path / name).write_bytes(wheel.read(f"spliceai/models/{name}"))
    run_tool("import-model", "--source", "spliceai", "--weights", tmp_path, "-o", tmp_path / "folder.safetensors",
             "--quiet")
    from_folder, from_wheel = load_file(tmp_path / "folder.safetensors"), load_file(imported[0])
    assert from_folder.keys() == from_wheel.keys()
    assert all(torch.equal(from_folder[key], from_wheel[key]) for key in from_wheel)


def test_sequence_tools_refuse_a_splice_model(imported, tmp_path):
    result = run_tool("predict", "--model", imported[0], "--fasta", TEST_DATA / "sequences.fa", "--output",
                      tmp_path / "predictions.tsv", expect=2)
    assert "not a sequence model (a splice model?)" in error_line(result)


def test_h5_files_given_one_by_one_make_an_ensemble_of_them(tmp_path):
    other = tmp_path / "other.h5"
    write_spliceai_keras(other, seed=1)
    output = tmp_path / "two.safetensors"
    run_tool("import-model", "--source", "spliceai", "--weights", SYNTHETIC, "--weights", other, "--output", output)
    model, metadata = load_splice_model(output)
    assert [file["name"] for file in metadata["source"]["files"]] == [SYNTHETIC.name, other.name]
    assert metadata["source"]["wheel_sha256"] is None
    onehot = random_sequences(1, 10_000 + 50, seed=1)
    expected = np.mean([keras_forward(h5py.File(path), onehot) for path in (SYNTHETIC, other)], axis=0)
    np.testing.assert_allclose(predict(model, onehot), expected, rtol=0, atol=1e-5)


def _wrong_wheel(folder):
    wheel = folder / "spliceai-1.3.1-py2.py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in SPLICEAI_MODELS:
            archive.write(SYNTHETIC, f"spliceai/models/{name}")
    return [wheel]


def _edited_config(path, edit):
    """Apply `edit` to the layer graph (model_config) of the Keras file at `path`."""
    with h5py.File(path, "r+") as handle:
        model = json.loads(handle.attrs["model_config"])
        edit(model)
        handle.attrs["model_config"] = json.dumps(model)


def _unit_of_two_kernels(folder):
    """A residual unit whose second convolution (conv1d_4) is wider than its first."""
    write_spliceai_keras(folder / "other.h5")
    _edited_config(folder / "other.h5", lambda model: next(
        layer for layer in model["config"]["layers"] if layer["name"] == "conv1d_4")["config"].update(kernel_size=[21]))
    return [folder / "other.h5"]


def _two_architectures(folder):
    write_variant(folder / "spliceai80.h5", context=80)
    return [SYNTHETIC, folder / "spliceai80.h5"]


def _extra_layer(folder):
    def add_relu(model):
        (last, *_), = model["config"]["output_layers"]
        model["config"]["layers"].append({"class_name": "Activation", "name": "relu_after", "inbound_nodes":
                                          [[[last, 0, 0, {}]]], "config": {"name": "relu_after", "activation": "relu"}})
        model["config"]["output_layers"] = [["relu_after", 0, 0]]

    write_spliceai_keras(folder / "extra.h5")
    _edited_config(folder / "extra.h5", add_relu)
    return [folder / "extra.h5"]


def _incomplete_folder(folder):
    for name in SPLICEAI_MODELS[:4]:
        (folder / name).symlink_to(SYNTHETIC)
    return [folder]


@pytest.mark.parametrize("weights, message", [
    (_wrong_wheel, "spliceai-1.3.1-py2.py3-none-any.whl: not the spliceai-1.3.1-py2.py3-none-any.whl wheel (sha256 "),
    (lambda folder: [TEST_DATA / "small.h5"], "small.h5: not a Keras model of SpliceAI's architecture: it has no "
                                              "Keras 2 layer graph (model_config)"),
    (lambda folder: [TEST_DATA / "genome.fa"], "genome.fa: not an HDF5 file; give the spliceai-1.3.1"),
    (_unit_of_two_kernels, "other.h5: not a Keras model of SpliceAI's architecture: layer conv1d_4 has kernel_size "
                           "[21] where SpliceAI has [11]"),
    (_two_architectures, "spliceai80.h5: its architecture (32 channels, kernel sizes [11, 11, 11, 11], dilations "
                         "[1, 1, 1, 1], context 80) differs from that of "),
    (_extra_layer, "extra.h5: not a Keras model of SpliceAI's architecture: its output is layer relu_after, not "
                   "conv1d_39, where SpliceAI ends"),
    (_incomplete_folder, "the folder lacks spliceai5.h5"),
    (lambda folder: [*_wrong_wheel(folder), SYNTHETIC], "--weights takes one wheel, one folder or .h5 files"),
], ids=["wheel-of-another-hash", "hdf5-not-keras", "not-hdf5", "unit-of-two-kernels", "two-architectures",
        "extra-layer", "incomplete-folder", "mixed"])
def test_anything_but_spliceai_is_refused_in_one_line_and_nothing_is_written(weights, message, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    arguments = [word for path in weights(inputs) for word in ("--weights", path)]
    result = run_tool("import-model", "--source", "spliceai", *arguments, "--output", tmp_path / "out.safetensors",
                      expect=2)
    assert message in error_line(result)
    assert [path.name for path in tmp_path.iterdir()] == ["inputs"]


@pytest.fixture(scope="module")
def cispliceai_graph(cispliceai_wheel):
    """{name: node} of CI-SpliceAI's frozen graph."""
    with zipfile.ZipFile(cispliceai_wheel) as wheel:
        return {node.name: node for node in read_graph(wheel.read(CISPLICEAI_GRAPH), CISPLICEAI_GRAPH)}


def test_cispliceai_imports_as_its_frozen_graph_computes(cispliceai_wheel, cispliceai_graph, tmp_path):
    output = tmp_path / "cispliceai.safetensors"
    result = run_tool("import-model", "--source", "cispliceai", "--weights", cispliceai_wheel, "--output", output)
    assert f"imported 5 CI-SpliceAI network(s) into {output}; licence of the weights: {CISPLICEAI_LICENCE}" \
        in result.stderr
    model, metadata = load_splice_model(output)
    assert (metadata["licence"], metadata["citation"]) == (CISPLICEAI_LICENCE, CISPLICEAI_CITATION)
    assert metadata["source"]["wheel_sha256"] == CISPLICEAI_WHEEL_SHA256
    assert metadata["context"] == 10_000 and metadata["hyperparameters"]["members"] == 5
    onehot = random_sequences(1, metadata["context"] + POSITIONS)
    np.testing.assert_allclose(predict(model, onehot), run_graph(cispliceai_graph, onehot), rtol=0, atol=1e-5)


def test_the_graph_alone_imports_as_the_wheel_does(cispliceai_wheel, tmp_path):
    with zipfile.ZipFile(cispliceai_wheel) as wheel:
        (tmp_path / "CI-SpliceAI.pb").write_bytes(wheel.read(CISPLICEAI_GRAPH))
    for name, weights in [("graph", tmp_path / "CI-SpliceAI.pb"), ("wheel", cispliceai_wheel)]:
        run_tool("import-model", "--source", "cispliceai", "--weights", weights, "--output",
                 tmp_path / f"{name}.safetensors", "--quiet")
    from_graph, from_wheel = load_file(tmp_path / "graph.safetensors"), load_file(tmp_path / "wheel.safetensors")
    assert from_graph.keys() == from_wheel.keys()
    assert all(torch.equal(from_graph[key], from_wheel[key]) for key in from_wheel)
    assert load_splice_model(tmp_path / "graph.safetensors")[1]["source"]["wheel_sha256"] is None


def test_a_graph_of_one_network_imports_as_that_network(cispliceai_wheel, cispliceai_graph, tmp_path):
    """A frozen graph that ends in one network's probabilities, rather than in the mean of five, is that network."""
    first = "model_1/conv1d_39/truediv"  # the softmax of the first network
    averaging = {"stack", "Mean/reduction_indices", "Mean", "Identity", first}
    alone = {name: node for name, node in cispliceai_graph.items() if name not in averaging}
    (tmp_path / "one.pb").write_bytes(encode_graph({**alone, first: cispliceai_graph[first]}))
    for name, weights in [("one", tmp_path / "one.pb"), ("five", cispliceai_wheel)]:
        run_tool("import-model", "--source", "cispliceai", "--weights", weights, "--output",
                 tmp_path / f"{name}.safetensors", "--quiet")
    one, five = load_file(tmp_path / "one.safetensors"), load_file(tmp_path / "five.safetensors")
    assert load_splice_model(tmp_path / "one.safetensors")[1]["hyperparameters"]["members"] == 1
    assert all(torch.equal(one[key], five[key]) for key in one) and all(key.startswith("members.0.") for key in one)


def _cispliceai_wheel_of_another_hash(folder):
    wheel = folder / "cispliceai-1.2.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(CISPLICEAI_GRAPH, b"")
    return [wheel]


@pytest.mark.parametrize("weights, message", [
    (_cispliceai_wheel_of_another_hash, "cispliceai-1.2.2-py3-none-any.whl: not the cispliceai-1.2.2-py3-none-any.whl "
                                        "wheel (sha256 "),
    (lambda folder: [TEST_DATA / "genome.fa"], "genome.fa: not a TensorFlow graph (GraphDef protobuf); give the "
                                               "cispliceai-1.2.2"),
    (lambda folder: [SYNTHETIC], "spliceai_synthetic.h5: not a TensorFlow graph (GraphDef protobuf)"),
    (lambda folder: [folder], "--weights takes one file for cispliceai; give the cispliceai-1.2.2"),
    (lambda folder: [TEST_DATA / "genome.fa", SYNTHETIC], "--weights takes one file for cispliceai"),
], ids=["wheel-of-another-hash", "fasta", "keras-file", "folder", "two-files"])
def test_anything_but_a_cispliceai_graph_is_refused_in_one_line(weights, message, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    arguments = [word for path in weights(inputs) for word in ("--weights", path)]
    result = run_tool("import-model", "--source", "cispliceai", *arguments, "--output",
                      tmp_path / "out.safetensors", expect=2)
    assert message in error_line(result)
    assert [path.name for path in tmp_path.iterdir()] == ["inputs"]


def _truncated(nodes):
    return encode_graph(nodes)[:5_000_000]


def _epsilon_of_the_third_network(nodes):
    name = "model_1/batch_normalization_1/batchnorm_2/add/y"
    edited = dataclasses.replace(nodes[name], attrs={**nodes[name].attrs, "value": float_constant(1e-5)})
    return encode_graph({**nodes, name: edited})


def _relu6_in_the_second_network(nodes):
    name = "model_1/activation_1/Relu_1"
    return encode_graph({**nodes, name: dataclasses.replace(nodes[name], op="Relu6")})


@pytest.mark.parametrize("edit, message", [
    (_truncated, "CI-SpliceAI.pb: not a TensorFlow graph (GraphDef protobuf); give the cispliceai-1.2.2"),
    (_epsilon_of_the_third_network, "CI-SpliceAI.pb (network 3): not a TensorFlow graph of SpliceAI's architecture: "
                                    "layer model_1/batch_normalization_1 has epsilon 1e-05 where SpliceAI has 0.001"),
    (_relu6_in_the_second_network, "CI-SpliceAI.pb (network 2): not a TensorFlow graph of SpliceAI's architecture: 0 "
                                   "Activation layers take the output of layer model_1/batch_normalization_1, where "
                                   "SpliceAI has one"),
], ids=["truncated", "another-epsilon", "another-activation"])
def test_a_graph_that_is_not_cispliceai_s_architecture_is_refused(edit, message, cispliceai_graph, tmp_path):
    (tmp_path / "CI-SpliceAI.pb").write_bytes(edit(cispliceai_graph))
    result = run_tool("import-model", "--source", "cispliceai", "--weights", tmp_path / "CI-SpliceAI.pb",
                      "--output", tmp_path / "out.safetensors", expect=2)
    assert message in error_line(result)
    assert not (tmp_path / "out.safetensors").exists()


def test_an_unknown_source_is_refused():
    result = run_tool("import-model", "--source", "basenji", "--weights", SYNTHETIC, "--output", "x.safetensors",
                      expect=2)
    assert error_line(result) == "genotools-import-model: error: --source 'basenji': choose spliceai, cispliceai"


def test_the_architecture_is_registered_as_published_with_probabilities_per_position():
    small = {"channels": 4, "kernel_sizes": [3] * 16, "dilations": [1, 2] * 8, "members": 2}  # context 96
    model, _ = build_model("spliceai", 0, 3, small, published=True)
    with torch.no_grad():
        probabilities = model.eval()(torch.from_numpy(random_sequences(2, 96 + 7)).float())
    assert probabilities.shape == (2, 7, 3)
    np.testing.assert_allclose(probabilities.sum(-1), 1, atol=1e-6)
    with pytest.raises(InputError, match="'spliceai' is a published model's: import its weights with "
                                         "genotools-import-model"):
        build_model("spliceai", 0, 3)


def test_the_synthetic_test_file_is_what_the_helper_writes(tmp_path):
    write_spliceai_keras(tmp_path / "again.h5")
    with h5py.File(SYNTHETIC) as committed, h5py.File(tmp_path / "again.h5") as again:
        assert committed.attrs["model_config"] == again.attrs["model_config"]
        datasets = []
        committed.visititems(lambda name, item: datasets.append(name) if isinstance(item, h5py.Dataset) else None)
        assert datasets
        for name in datasets:
            np.testing.assert_array_equal(committed[name][()], again[name][()])


@pytest.mark.parametrize("context", [80, 400, 2000])
def test_the_smaller_variants_import_with_the_units_and_context_their_graphs_have(context, tmp_path):
    write_variant(tmp_path / "variant.h5", context)
    run_tool("import-model", "--source", "spliceai", "--weights", tmp_path / "variant.h5", "--output",
             tmp_path / "variant.safetensors", "--quiet")
    model, metadata = load_splice_model(tmp_path / "variant.safetensors")
    kernel_sizes, dilations = VARIANTS[context]
    assert metadata["context"] == context
    assert metadata["hyperparameters"] == {"channels": 32, "kernel_sizes": kernel_sizes, "dilations": dilations,
                                           "members": 1}
    onehot = random_sequences(2, context + 30, seed=2)
    with h5py.File(tmp_path / "variant.h5") as handle:
        np.testing.assert_allclose(predict(model, onehot), keras_forward(handle, onehot), rtol=0, atol=1e-5)


def test_the_splice_model_of_the_platform_tests_is_what_the_helper_and_the_importer_write(tmp_path):
    """test-data/spliceai80_synthetic.safetensors: SpliceAI-80nt with synthetic weights, two models (the Makefile's
    test-data target writes it)."""
    weights = []
    for seed in (0, 1):
        write_variant(tmp_path / f"spliceai80_{seed}.h5", 80, seed)
        weights += ["--weights", tmp_path / f"spliceai80_{seed}.h5"]
    run_tool("import-model", "--source", "spliceai", *weights, "--output", tmp_path / "again.safetensors", "--quiet")
    committed, again = load_file(SPLICEAI80), load_file(tmp_path / "again.safetensors")
    assert committed.keys() == again.keys()
    assert all(torch.equal(committed[key], again[key]) for key in again)
    assert SPLICEAI80.stat().st_size < 1_000_000
