"""Frozen TensorFlow graphs for the tests, without TensorFlow: `run_graph` executes a graph's operations one by one in
numpy (float64), as TensorFlow defines them, so that an imported model can be checked against the graph itself
rather than against genotools' reading of its layers; `encode_graph` and `float_constant` write a graph back after a
test has edited it."""

import numpy as np

from genotools.io.tensorflow_graph import Node

TRUE = b"\x28\x01"  # a boolean AttrValue that holds true


def run_graph(nodes: dict[str, Node], inputs: np.ndarray) -> np.ndarray:
    """The value of the graph's last node for `inputs` fed to its Placeholder."""
    values = {}
    *_, last = nodes.values()
    pending = [last.name]
    while pending:  # depth first, each node after the nodes it takes
        node = nodes[pending[-1].split(":")[0]]
        missing = [name.split(":")[0] for name in node.inputs if name.split(":")[0] not in values]
        if missing:
            pending += missing
            continue
        pending.pop()
        values[node.name] = inputs.astype(np.float64) if node.op == "Placeholder" else _run(
            node, [values[name.split(":")[0]] for name in node.inputs])
    return values[last.name]


def _run(node: Node, args: list[np.ndarray]) -> np.ndarray:
    op = node.op
    if op == "Const":
        value = node.tensor()
        return value.astype(np.float64) if value.dtype == np.float32 else value
    if op in ("Identity", "Relu", "Rsqrt", "Exp"):
        return {"Identity": lambda x: x, "Relu": lambda x: np.maximum(x, 0), "Rsqrt": lambda x: 1 / np.sqrt(x),
                "Exp": np.exp}[op](args[0])
    if op in ("AddV2", "BiasAdd", "Mul", "Sub", "RealDiv", "FloorMod"):
        return {"AddV2": np.add, "BiasAdd": np.add, "Mul": np.multiply, "Sub": np.subtract, "RealDiv": np.divide,
                "FloorMod": np.mod}[op](*args)
    if op == "ExpandDims":
        return np.expand_dims(args[0], int(args[1]))
    if op == "Squeeze":
        return np.squeeze(args[0], axis=tuple(node.integers("squeeze_dims")))
    if op == "Shape":
        return np.array(args[0].shape, dtype=np.int32)
    if op == "Pack":
        return np.stack(args, axis=node.integer("axis"))
    if op in ("Max", "Sum", "Mean"):
        reduce = {"Max": np.max, "Sum": np.sum, "Mean": np.mean}[op]
        return reduce(args[0], axis=tuple(np.atleast_1d(args[1]).tolist()), keepdims=node.attrs["keep_dims"] == TRUE)
    if op == "StridedSlice":
        return _strided_slice(node, *args)
    if op == "Conv2D":
        return _conv2d(node, *args)
    if op == "SpaceToBatchND":  # one spatial dimension: (batch, length, channels)
        x, (block,), [[before, after]] = args
        x = np.pad(x, [(0, 0), (before, after), (0, 0)])
        batch, length, channels = x.shape
        return x.reshape(batch, length // block, block, channels).transpose(2, 0, 1, 3).reshape(
            block * batch, length // block, channels)
    if op == "BatchToSpaceND":
        x, (block,), [[before, after]] = args
        batches, length, channels = x.shape
        x = x.reshape(block, batches // block, length, channels).transpose(1, 2, 0, 3).reshape(
            batches // block, length * block, channels)
        return x[:, before:x.shape[1] - after]
    raise NotImplementedError(f"operation {op} (node {node.name})")


def _strided_slice(node: Node, x, begin, end, strides):
    begin_mask, end_mask, shrink = (node.integer(mask) for mask in ("begin_mask", "end_mask", "shrink_axis_mask"))
    assert node.integer("ellipsis_mask") == node.integer("new_axis_mask") == 0
    index = []
    for axis, (start, stop, step) in enumerate(zip(begin.tolist(), end.tolist(), strides.tolist())):
        if shrink >> axis & 1:
            index.append(start)
        else:
            index.append(slice(None if begin_mask >> axis & 1 else start, None if end_mask >> axis & 1 else stop,
                               step))
    return np.asarray(x[tuple(index)])


def _conv2d(node: Node, x, kernel):
    """NHWC input of height 1 and an HWIO kernel of height 1, stride 1, no dilation: 'SAME' or 'VALID'."""
    assert node.string("data_format") == "NHWC" and node.integers("strides") == [1, 1, 1, 1]
    assert node.integers("dilations") == [1, 1, 1, 1] and x.shape[1] == kernel.shape[0] == 1
    width = kernel.shape[1]
    if node.string("padding") == "SAME":
        x = np.pad(x, [(0, 0), (0, 0), ((width - 1) // 2, width // 2), (0, 0)])
    length = x.shape[2] - width + 1
    return sum(x[:, :, tap:tap + length] @ kernel[0, tap] for tap in range(width))


def encode_graph(nodes: dict[str, Node]) -> bytes:
    """A GraphDef of `nodes` (their control inputs, which the reader leaves out, are not written)."""
    return b"".join(_bytes_field(1, _node(node)) for node in nodes.values())


def float_constant(values: np.ndarray) -> bytes:
    """The AttrValue of a float32 Const's value."""
    array = np.asarray(values, dtype="<f4")
    shape = b"".join(_bytes_field(2, _varint_field(1, size)) for size in array.shape)
    tensor = _varint_field(1, 1) + _bytes_field(2, shape) + _bytes_field(4, array.tobytes())
    return _bytes_field(8, tensor)


def _node(node: Node) -> bytes:
    fields = [_bytes_field(1, node.name.encode()), _bytes_field(2, node.op.encode())]
    fields += [_bytes_field(3, name.encode()) for name in node.inputs]
    fields += [_bytes_field(5, _bytes_field(1, key.encode()) + _bytes_field(2, value))
               for key, value in node.attrs.items()]
    return b"".join(fields)


def _bytes_field(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)

