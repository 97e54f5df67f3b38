"""TF1's ``tf.train.import_meta_graph``: a MetaGraph (``.meta``, as ``Saver.save`` writes it)
imported into the default graph, with its collections, returning a ``Saver`` for its Variables.

The MetaGraph's own save/restore sub-graph (``SaveV2``/``RestoreV2`` under the saver's scope,
``save/`` by default) is not imported: the returned jaxgraph ``Saver`` does that work, and it
restores TensorFlow's own checkpoints as well as jaxgraph's. Collections listing nodes or
tensors (``train_op``, ``summaries``, user collections) are refilled with what those nodes
became; ``trainable_variables`` decides which imported Variables are trainable.
"""

from __future__ import annotations

import os
from typing import Any

from jaxgraph.builder import get_default_graph
from jaxgraph.tracer.graph_collections import GraphKeys
from jaxgraph.tracer.graph_def_import import import_nodes
from jaxgraph.train.saver import Saver

_VARIABLE_COLLECTIONS = (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES)


def _read(meta_graph_or_file: Any) -> Any:
    from tensorboard.compat.proto import meta_graph_pb2

    if isinstance(meta_graph_or_file, (str, os.PathLike)):
        with open(meta_graph_or_file, "rb") as f:
            return meta_graph_pb2.MetaGraphDef.FromString(f.read())
    if isinstance(meta_graph_or_file, (bytes, bytearray)):
        return meta_graph_pb2.MetaGraphDef.FromString(bytes(meta_graph_or_file))
    return meta_graph_or_file


def _variable_names(collection: Any) -> list[str]:
    from tensorboard.compat.proto import variable_pb2

    return [
        variable_pb2.VariableDef.FromString(b).variable_name.split(":")[0]
        for b in collection.bytes_list.value
    ]


def import_meta_graph(meta_graph_or_file: Any, clear_devices: bool = False, import_scope: str | None = None,
                      **kwargs: Any) -> Saver | None:  # fmt: skip
    """Imports a MetaGraph (a path, bytes or ``MetaGraphDef``) into the default graph under
    ``import_scope`` (none by default) and returns a ``Saver`` for its Variables (None if it has
    none). TF1's ``tf.train.import_meta_graph``."""
    meta = _read(meta_graph_or_file)
    saver_scope = (
        meta.saver_def.restore_op_name.rsplit("/", 1)[0] + "/" if meta.HasField("saver_def") else None
    )
    keep = (lambda node: not node.name.startswith(saver_scope)) if saver_scope else (lambda node: True)
    importer = import_nodes(meta.graph_def, {}, import_scope or "", keep)
    graph = get_default_graph()
    variables = importer.variables
    if GraphKeys.TRAINABLE_VARIABLES in meta.collection_def:
        trainable = set(_variable_names(meta.collection_def[GraphKeys.TRAINABLE_VARIABLES]))
        listed = graph.get_collection_ref(GraphKeys.TRAINABLE_VARIABLES)
        for name, variable in variables.items():
            if name not in trainable and variable in listed:
                variable.trainable = False
                listed.remove(variable)
    for key, collection in meta.collection_def.items():
        if key in _VARIABLE_COLLECTIONS or collection.WhichOneof("kind") != "node_list":
            continue
        for name in collection.node_list.value:
            if name.split(":")[0] in importer.nodes:
                graph.add_to_collection(key, importer.element(name))
    return Saver(list(variables.values())) if variables else None


__all__ = ["import_meta_graph"]
