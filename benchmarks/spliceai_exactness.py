"""SpliceAI imported by genotools against SpliceAI itself: the five Keras models of the spliceai 1.3.1 wheel, run by
TensorFlow's Keras in another interpreter, and the model file that genotools-import-model writes from the same wheel,
on the same random sequences. Prints the largest absolute difference of each model's probabilities and of the
ensemble's (their mean, as SpliceAI scores), and how often the most probable class agrees. Not part of the tests:
it needs TensorFlow, which genotools never imports.

The TensorFlow side needs a Python with tensorflow-cpu, tf-keras, h5py and numpy, outside genotools' environment:
    python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu tf-keras h5py numpy
Run: .venv/bin/python benchmarks/spliceai_exactness.py --tf-python /tmp/tfenv/bin/python [--wheel WHEEL]
     [--sequences 4] [--positions 500]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from genotools.sequence.published import SPLICEAI_MODELS, SPLICEAI_VERSION, load_splice_model

# Run by --tf-python: argv = wheel, sequences (.npy), output (.npy): each model's probabilities, stacked.
TENSORFLOW_SIDE = """
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
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tf-python", required=True, help="a Python with tensorflow-cpu, tf-keras, h5py and numpy")
    parser.add_argument("--wheel", type=Path, help=f"the spliceai {SPLICEAI_VERSION} wheel [default: pip download it]")
    parser.add_argument("--sequences", type=int, default=4)
    parser.add_argument("--positions", type=int, default=500, help="predicted positions per sequence")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        wheel = args.wheel or download_wheel(scratch)
        model_file = scratch / "spliceai.safetensors"
        subprocess.run([Path(sys.executable).parent / "genotools-import-model", "--source", "spliceai", "--weights",
                        wheel, "--output", model_file], check=True)
        model, metadata = load_splice_model(model_file)
        onehot = random_sequences(args.sequences, metadata["context"] + args.positions, args.seed)
        np.save(scratch / "sequences.npy", onehot)
        environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
        subprocess.run([args.tf_python, "-c", TENSORFLOW_SIDE, wheel, scratch / "sequences.npy",
                        scratch / "keras.npy"], check=True, env=environment)
        keras = np.load(scratch / "keras.npy")
    with torch.no_grad():
        inputs = torch.from_numpy(onehot)
        genotools = np.stack([member(inputs).numpy() for member in model.members])
        ensemble = model(inputs).numpy()
    print(f"{args.sequences} random sequences of {onehot.shape[1]} bases ({args.positions} predicted positions "
          f"each), float32 on both sides")
    print(f"{'model':<14} {'max |diff|':>11} {'mean |diff|':>12} {'same class':>11}")
    for name, ours, theirs in [*zip(SPLICEAI_MODELS, genotools, keras), ("ensemble", ensemble, keras.mean(0))]:
        agree = (ours.argmax(-1) == theirs.argmax(-1)).mean()
        print(f"{name:<14} {np.abs(ours - theirs).max():>11.2e} {np.abs(ours - theirs).mean():>12.2e} "
              f"{agree:>11.4f}")


def download_wheel(folder):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", folder,
                    f"spliceai=={SPLICEAI_VERSION}"], check=True)
    return next(folder.glob("*.whl"))


def random_sequences(count, length, seed):
    """One-hot float32 sequences of random bases, about one in fifty an N (all zeros)."""
    codes = np.random.default_rng(seed).choice(5, size=(count, length), p=[0.245] * 4 + [0.02])
    return np.eye(5, dtype=np.float32)[codes][:, :, :4]


if __name__ == "__main__":
    main()
