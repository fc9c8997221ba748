"""Frozen TensorFlow graphs (a GraphDef protobuf, the .pb of tf.compat.v1 graph_util) read as data: its nodes, their
attributes and constant tensors, without TensorFlow. The protobuf wire format is decoded here because TensorFlow's
message definitions ship only inside TensorFlow; the four messages a frozen graph needs (GraphDef, NodeDef,
AttrValue, TensorProto) take a few fields each."""

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from genotools.errors import InputError

# TensorFlow's DataType enum -> numpy, for the constants a frozen convolutional network holds.
_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64}
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


@dataclass
class Node:
    name: str
    op: str
    inputs: list[str]  # the nodes whose outputs it takes ("name" or "name:1"); control inputs ("^name") left out
    attrs: dict[str, bytes] = field(repr=False)  # attribute -> its encoded AttrValue

    def string(self, attr: str) -> str:
        return _field(self.attrs[attr], 2, b"").decode()

    def integer(self, attr: str) -> int:
        return _signed(_field(self.attrs[attr], 3, 0))

    def integers(self, attr: str) -> list[int]:
        listed = _field(self.attrs[attr], 1, b"")
        return [_signed(value) for number, values in _fields(listed) if number == 3 for value in _ints(values)]

    def tensor(self) -> np.ndarray:
        """The value of a Const node."""
        return _tensor(_field(self.attrs["value"], 8, b""))


def read_graph(data: bytes, name: str) -> list[Node]:
    """The nodes of the GraphDef in `data`, in the file's order; InputError naming `name` when it is not one."""
    try:
        nodes = [_node(value) for number, value in _fields(data) if number == 1]
    except (IndexError, KeyError, ValueError, TypeError, AttributeError, UnicodeDecodeError, struct.error):
        raise InputError(f"{name}: not a TensorFlow graph (GraphDef protobuf)") from None
    if not nodes:
        raise InputError(f"{name}: not a TensorFlow graph (GraphDef protobuf): it holds no nodes")
    return nodes


def _node(data: bytes) -> Node:
    name, op, inputs, attrs = None, None, [], {}
    for number, value in _fields(data):
        if number == 1:
            name = value.decode()
        elif number == 2:
            op = value.decode()
        elif number == 3 and not value.startswith(b"^"):
            inputs.append(value.decode())
        elif number == 5:
            entry = dict(_fields(value))
            attrs[entry[1].decode()] = entry.get(2, b"")
    if not isinstance(name, str) or not isinstance(op, str):
        raise ValueError("a node without a name or an operation")
    return Node(name, op, inputs, attrs)


def _tensor(data: bytes) -> np.ndarray:
    dtype, shape, content, values = None, [], None, []
    for number, value in _fields(data):
        if number == 1:
            dtype = _DTYPES[value]
        elif number == 2:
            shape = [_signed(_field(dim, 1, 0)) for dim_number, dim in _fields(value) if dim_number == 2]
        elif number == 4:
            content = value
        elif number == 5:  # float_val: packed, or one fixed32 each
            values += struct.unpack(f"<{len(value) // 4}f", value) if isinstance(value, bytes) else [value]
        elif number in (7, 10):  # int_val, int64_val
            values += [_signed(v) for v in _ints(value)]
    size = int(np.prod(shape))
    if content is not None:
        array = np.frombuffer(content, dtype=np.dtype(dtype).newbyteorder("<"))
    else:  # TensorFlow repeats the last value given (zero when none is) to fill the shape
        array = np.asarray(values + (values[-1:] or [0]) * (size - len(values)), dtype=dtype)
    return array.astype(dtype).reshape(shape)


def _field(data: bytes, wanted: int, default):
    return next((value for number, value in _fields(data) if number == wanted), default)


def _fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of each field of an encoded message: an int for varints and fixed32s (a float's bits
    kept as bytes), bytes for length-delimited fields."""
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == _VARINT:
            value, position = _varint(data, position)
        elif wire_type == _BYTES:
            length, position = _varint(data, position)
            value, position = data[position:position + length], position + length
            if position > len(data):
                raise ValueError("a field runs past the end")
        elif wire_type in (_FIXED32, _FIXED64):
            width = 4 if wire_type == _FIXED32 else 8
            value, position = data[position:position + width], position + width
            if position > len(data):
                raise ValueError("a field runs past the end")
            if wire_type == _FIXED32:
                value = struct.unpack("<f", value)[0]
        else:
            raise ValueError(f"wire type {wire_type}")
        yield number, value


def _ints(value: int | bytes) -> Iterator[int]:
    """The values of a repeated integer field: packed (bytes of varints) or one of them."""
    if isinstance(value, int):
        yield value
        return
    position = 0
    while position < len(value):
        number, position = _varint(value, position)
        yield number


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, position


def _signed(value: int) -> int:
    """An int32/int64 field's value: negative numbers are encoded as 64-bit two's complement."""
    return value - (1 << 64) if value >= 1 << 63 else value
