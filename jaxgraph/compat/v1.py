"""``import jaxgraph.compat.v1 as tf``: this module is replaced by ``jaxgraph`` itself, as
``tensorflow.compat.v1`` is TF1's API."""

import sys

import jaxgraph

sys.modules[__name__] = jaxgraph
