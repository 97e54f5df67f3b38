"""Reverse-mode differentiation as a graph transformation: ``gradients`` and ``hessians``."""

from jaxgraph.autodiff.gradients import gradients, hessians

__all__ = ["gradients", "hessians"]
