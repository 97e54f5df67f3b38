"""Regenerates ``jaxgraph/train/tf_checkpoint/tensor_bundle_pb2.py`` from ``tensor_bundle.proto``.

Run with a Python that has ``grpcio-tools`` (for protoc) and ``tensorboard`` installed; the file
committed was made in a scratch venv with ``pip install grpcio-tools==1.75.0 tensorboard``
(libprotoc 31.1, the protoc version TensorBoard's own generated protos come from, so the
generated module needs no newer protobuf runtime than TensorBoard's do)::

    python scripts/generate_tensor_bundle_pb2.py

TensorBoard ships its ``.proto`` imports only as generated modules, so their file descriptors
are handed to protoc as a descriptor set (``--descriptor_set_in``).
"""

from __future__ import annotations

import os
import sys
import tempfile

from google.protobuf import descriptor_pb2
from grpc_tools import protoc
from tensorboard.compat.proto import tensor_shape_pb2, types_pb2, versions_pb2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTO = "jaxgraph/train/tf_checkpoint/tensor_bundle.proto"


def main() -> None:
    descriptors = descriptor_pb2.FileDescriptorSet()
    for module in (tensor_shape_pb2, types_pb2, versions_pb2):
        module.DESCRIPTOR.CopyToProto(descriptors.file.add())
    with tempfile.TemporaryDirectory() as scratch:
        imports = os.path.join(scratch, "tensorboard_protos.pb")
        with open(imports, "wb") as f:
            f.write(descriptors.SerializeToString())
        status = protoc.main(
            [
                "protoc",
                f"--proto_path={ROOT}",
                f"--descriptor_set_in={imports}",
                f"--python_out={ROOT}",
                PROTO,
            ]
        )
    if status != 0:
        sys.exit(f"protoc failed with status {status}")
    print(f"wrote {PROTO[: -len('.proto')]}_pb2.py")


if __name__ == "__main__":
    main()
