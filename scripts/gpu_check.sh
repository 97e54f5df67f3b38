#!/bin/bash
# The device checks of issues 14 and 15, as one bounded script for a GPU machine (run from the
# repository root; results under $OUT when set). That machine has jax, numpy, pytest,
# tensorboard and safetensors but not scikit-learn, so the digits examples do not run there.
export PYTHONPATH=$PWD
OUT=${OUT:-/tmp/gpu_check}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import jax; print(jax.__version__, jax.devices())" | tee -a "$OUT/gpu.txt"
step() { local limit=$1 name=$2; shift 2; echo "== $name"; timeout "$limit" "$@" > "$OUT/$name.txt" 2>&1; echo "rc=$?"; tail -n 30 "$OUT/$name.txt"; }
step 70 tests python3 -m pytest -q -p no:cacheprovider tests/session/test_sharding.py tests/session/test_data_parallel.py tests/tracer/test_devices.py tests/distribute/test_cluster_and_hooks.py
step 60 bench_core python3 benchmarks/bench_core.py --runs 100 --blocks 5
step 40 bench_growing_graph python3 benchmarks/bench_growing_graph.py --iterations 100 --blocks 5
step 100 bench_chain python3 benchmarks/bench_chain.py --sizes 100 300 1000 --no-tf1 --json "$OUT/chain_gpu.json"
step 80 bench_cnn python3 benchmarks/bench_cnn.py --quick --skip-inception
