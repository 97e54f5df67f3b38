#!/bin/bash
# The device checks of issue 15 (multi-process), run on a GPU machine: which GPU, the example
# on the GPU, the example's CPU modes and the multi-process tests on its CPUs.
export PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python -c "import jax; print(jax.__version__, jax.devices())"
for mode in "--platform gpu" "" "--devices 8" "--processes 2"; do
  echo "== distributed_mlp.py $mode"
  timeout 150 python examples/distributed_mlp.py --steps 300 $mode 2>&1 | grep -v Gloo | tail -n 3
done
timeout 200 python -m pytest -q -p no:cacheprovider tests/distribute 2>&1 | tail -n 3
