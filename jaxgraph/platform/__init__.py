"""TF1's platform modules: ``tf.app``, ``tf.flags``, ``tf.logging`` and ``tf.gfile``.

TF1 programs start with ``flags.DEFINE_integer(...)`` and ``tf.app.run()``, log through
``tf.logging`` and read files through ``tf.gfile``. These modules keep those names working on
the local file system and Python's own ``logging``; they know nothing of graphs, so they sit at
the bottom of jaxgraph's layers.
"""

from jaxgraph.platform import app, flags, gfile, tf_logging

__all__ = ["app", "flags", "gfile", "tf_logging"]
