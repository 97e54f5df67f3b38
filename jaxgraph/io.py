"""TF1's ``tf.io`` namespace, as far as jaxgraph has it: ``tf.io.gfile``."""

from jaxgraph.platform import gfile

__all__ = ["gfile"]
