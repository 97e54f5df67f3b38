"""Records TF1's ``tf.train.ClusterSpec`` behaviour into tests/distribute/fixtures/cluster_spec.json.

Run with the TensorFlow venv: ``/tmp/tfvenv/bin/python scripts/record_cluster_spec.py``.
"""

import json
import os

import tensorflow.compat.v1 as tf

CLUSTERS = {
    "dense": {"worker": ["127.0.0.1:2222", "127.0.0.1:2223"], "ps": ["127.0.0.1:2224"]},
    "sparse": {"worker": {1: "host1:2222", 3: "host3:2222"}},
}
QUERIES = [("worker", 0), ("worker", 1), ("worker", 3), ("ps", 0), ("chief", 0)]


def outcome(call):
    """The value of ``call()``, or the class and message of what it raised."""
    try:
        return {"value": call()}
    except Exception as e:  # noqa: BLE001 - recorded
        return {"error": type(e).__name__, "message": str(e)}


def record(cluster: dict) -> dict:
    spec = tf.train.ClusterSpec(cluster)
    as_dict = spec.as_dict()
    return {
        "as_dict": {
            job: (tasks if isinstance(tasks, list) else {str(k): v for k, v in tasks.items()})
            for job, tasks in as_dict.items()
        },
        "jobs": spec.jobs,
        "num_tasks": {job: outcome(lambda job=job: spec.num_tasks(job)) for job in ["worker", "ps", "chief"]},
        "task_indices": {
            job: outcome(lambda job=job: spec.task_indices(job)) for job in ["worker", "ps", "chief"]
        },
        "job_tasks": {job: outcome(lambda job=job: spec.job_tasks(job)) for job in ["worker", "ps", "chief"]},
        "task_address": [
            [job, index, outcome(lambda job=job, index=index: spec.task_address(job, index))]
            for job, index in QUERIES
        ],
    }


if __name__ == "__main__":
    result = {name: record(cluster) for name, cluster in CLUSTERS.items()}
    result["bad"] = {
        "not_a_dict": outcome(lambda: tf.train.ClusterSpec(["a:1"])),
        "task_list_not_strings": outcome(lambda: tf.train.ClusterSpec({"worker": [1]}).as_dict()),
    }
    path = os.path.join(
        os.path.dirname(__file__), "..", "tests", "distribute", "fixtures", "cluster_spec.json"
    )
    with open(path, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
