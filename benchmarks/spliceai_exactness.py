"""SpliceAI and CI-SpliceAI imported by genotools against themselves run by TensorFlow: the five Keras models of the
spliceai 1.3.1 wheel (--source spliceai), or the frozen graph of the cispliceai 1.2.2 wheel, run as cispliceai
runs it (--source cispliceai), in another interpreter; and the model file that genotools-import-model writes from
the same wheel, on the same random sequences. Prints the largest absolute difference of each network's
probabilities and of the ensemble's (their mean, as both tools score), and how often the most probable class
agrees. Not part of the tests: it needs TensorFlow, which genotools never imports.

The TensorFlow side needs a Python with tensorflow-cpu, tf-keras, h5py and numpy, outside genotools' environment:
    python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu tf-keras h5py numpy
Run: .venv/bin/python benchmarks/spliceai_exactness.py --tf-python /tmp/tfenv/bin/python [--source cispliceai]
     [--wheel WHEEL] [--sequences 4] [--positions 500]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from score_splicing import PUBLISHED_VERSIONS, download_wheel

from genotools.sequence.published import CISPLICEAI_GRAPH, load_splice_model

# Run by --tf-python: argv = wheel, sequences (.npy), output (.npy): each network's probabilities, stacked.
TENSORFLOW_SIDE = {
    "spliceai": """
import sys, tempfile, zipfile
import numpy as np
import tensorflow as tf
import tf_keras
tf.get_logger().setLevel("ERROR")  # not its advice on retracing: each model is traced once
wheel, sequences, output = sys.argv[1:]
onehot = np.load(sequences)
with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(wheel) as archive:
    models = [tf_keras.models.load_model(archive.extract(f"spliceai/models/spliceai{n}.h5", folder), compile=False)
              for n in range(1, 6)]
    np.save(output, np.stack([model.predict(onehot, verbose=0) for model in models]))
""",
    # cispliceai's own loading (cispliceai/model.py), its outputs the networks that its last node averages
    "cispliceai": f"""
import sys, zipfile
import numpy as np
import tensorflow as tf
wheel, sequences, output = sys.argv[1:]
graph_def = tf.compat.v1.GraphDef()
graph_def.ParseFromString(zipfile.ZipFile(wheel).read("{CISPLICEAI_GRAPH}"))
nodes = {{node.name: node for node in graph_def.node}}
networks = nodes[nodes[graph_def.node[-1].input[0]].input[0]].input  # Identity <- Mean <- Pack
wrapped = tf.compat.v1.wrap_function(lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
run = wrapped.prune(wrapped.graph.as_graph_element(graph_def.node[0].name + ":0"),
                    [wrapped.graph.as_graph_element(name + ":0") for name in networks])
np.save(output, np.stack([tensor.numpy() for tensor in run(tf.constant(np.load(sequences)))]))
""",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tf-python", required=True, help="a Python with tensorflow-cpu, tf-keras, h5py and numpy")
    parser.add_argument("--source", choices=list(PUBLISHED_VERSIONS), default="spliceai")
    parser.add_argument("--wheel", type=Path, help="the source's wheel [default: pip download it]")
    parser.add_argument("--sequences", type=int, default=4)
    parser.add_argument("--positions", type=int, default=500, help="predicted positions per sequence")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        wheel = args.wheel or download_wheel(scratch, args.source)
        model_file = scratch / "model.safetensors"
        subprocess.run([Path(sys.executable).parent / "genotools-import-model", "--source", args.source,
                        "--weights", wheel, "--output", model_file], check=True)
        model, metadata = load_splice_model(model_file)
        onehot = random_sequences(args.sequences, metadata["context"] + args.positions, args.seed)
        np.save(scratch / "sequences.npy", onehot)
        environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
        subprocess.run([args.tf_python, "-c", TENSORFLOW_SIDE[args.source], wheel, scratch / "sequences.npy",
                        scratch / "tensorflow.npy"], check=True, env=environment)
        tensorflow = np.load(scratch / "tensorflow.npy")
    with torch.no_grad():
        inputs = torch.from_numpy(onehot)
        genotools = np.stack([member(inputs).numpy() for member in model.members])
        ensemble = model(inputs).numpy()
    print(f"{metadata['source']['name']} {PUBLISHED_VERSIONS[args.source]}: {args.sequences} random sequences of "
          f"{onehot.shape[1]} bases ({args.positions} predicted positions each), float32 on both sides")
    print(f"{'network':<14} {'max |diff|':>11} {'mean |diff|':>12} {'same class':>11}")
    networks = [f"network {number}" for number in range(1, len(genotools) + 1)]
    for name, ours, theirs in [*zip(networks, genotools, tensorflow), ("ensemble", ensemble, tensorflow.mean(0))]:
        agree = (ours.argmax(-1) == theirs.argmax(-1)).mean()
        print(f"{name:<14} {np.abs(ours - theirs).max():>11.2e} {np.abs(ours - theirs).mean():>12.2e} "
              f"{agree:>11.4f}")


def random_sequences(count, length, seed):
    """One-hot float32 sequences of random bases, about one in fifty an N (all zeros)."""
    codes = np.random.default_rng(seed).choice(5, size=(count, length), p=[0.245] * 4 + [0.02])
    return np.eye(5, dtype=np.float32)[codes][:, :, :4]


if __name__ == "__main__":
    main()
