"""Reverse-mode differentiation as a graph transformation: ``gradients`` and ``hessians``."""

from jaxgraph.autodiff import control_flow  # noqa: F401  (registers the control-flow gradient rules and its IR pass)
from jaxgraph.autodiff.gradients import gradients, hessians

__all__ = ["gradients", "hessians"]
