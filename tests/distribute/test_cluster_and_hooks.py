"""ClusterSpec against TF1's recorded behaviour (scripts/record_cluster_spec.py), initialize's
argument checks, and MonitoredTrainingSession / hooks in one process."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import jaxgraph as jg

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "cluster_spec.json")
CLUSTERS = {
    "dense": {"worker": ["127.0.0.1:2222", "127.0.0.1:2223"], "ps": ["127.0.0.1:2224"]},
    "sparse": {"worker": {1: "host1:2222", 3: "host3:2222"}},
}


def outcome(call):
    try:
        return {"value": call()}
    except Exception as e:  # noqa: BLE001 - compared with TF1's
        return {"error": "ValueError" if isinstance(e, ValueError) else type(e).__name__, "message": str(e)}


@pytest.mark.parametrize("name", sorted(CLUSTERS))
def test_cluster_spec_matches_tf1(name):
    recorded = json.load(open(FIXTURE))[name]
    spec = jg.train.ClusterSpec(CLUSTERS[name])
    as_dict = {job: tasks if isinstance(tasks, list) else {str(k): v for k, v in tasks.items()}
               for job, tasks in spec.as_dict().items()}  # fmt: skip
    assert as_dict == recorded["as_dict"]
    assert spec.jobs == recorded["jobs"]
    for job in ("worker", "ps", "chief"):
        assert outcome(lambda job=job: spec.num_tasks(job)) == recorded["num_tasks"][job]
        assert outcome(lambda job=job: spec.task_indices(job)) == recorded["task_indices"][job]
        assert outcome(lambda job=job: spec.job_tasks(job)) == recorded["job_tasks"][job]
    for job, index, expected in recorded["task_address"]:
        assert outcome(lambda job=job, index=index: spec.task_address(job, index)) == expected
    assert jg.train.ClusterSpec(spec) == spec


def test_cluster_spec_rejects_what_tf1_rejects():
    recorded = json.load(open(FIXTURE))["bad"]
    assert outcome(lambda: jg.train.ClusterSpec(["a:1"])) == recorded["not_a_dict"]
    assert outcome(lambda: jg.train.ClusterSpec({"worker": [1]})) == recorded["task_list_not_strings"]


def test_initialize_checks_its_arguments_before_starting_anything():
    cluster = jg.train.ClusterSpec({"worker": ["127.0.0.1:1", "127.0.0.1:2"]})
    with pytest.raises(jg.errors.InvalidArgumentError) as e:
        jg.distribute.initialize("127.0.0.1:1", cluster=cluster, task_index=0)
    assert str(e.value) == (
        "give initialize either cluster and task_index, or coordinator_address, num_processes and "
        "process_id, not both"
    )
    with pytest.raises(jg.errors.InvalidArgumentError) as e:
        jg.distribute.initialize(cluster=cluster)
    assert str(e.value) == "initialize with a cluster needs the task_index of this process in job 'worker'"
    with pytest.raises(jg.errors.InvalidArgumentError) as e:
        jg.distribute.initialize(cluster=cluster, task_index=2)
    assert str(e.value) == "No task with index 2 in job 'worker'"
    with pytest.raises(jg.errors.InvalidArgumentError) as e:
        jg.distribute.initialize(cluster={"worker": {1: "h:1"}}, task_index=1)
    assert str(e.value) == "job 'worker' has no task 0: tasks must be 0 to n-1"
    with pytest.raises(jg.errors.InvalidArgumentError) as e:
        jg.distribute.initialize(task_index=0)
    assert str(e.value) == "task_index needs a cluster (a jg.train.ClusterSpec)"


def test_global_mesh_of_one_process_is_its_devices():
    mesh = jg.distribute.global_mesh()
    assert mesh.axis_names == ("batch",) and list(mesh.devices.flat) == jax_devices()
    assert jg.distribute.is_chief()
    assert jg.distribute.broadcast_from_chief({"a": 1}) == {"a": 1}


def jax_devices():
    import jax

    return jax.devices()


def counting_graph():
    """x fed, a global step, a train op adding 1 to it and x's sum to ``total``."""
    x = jg.placeholder(jg.float32, (None,), name="x")
    step = jg.train.get_or_create_global_step()
    total = jg.Variable(0.0, name="total")
    train = jg.group(jg.assign_add(step, 1), jg.assign_add(total, jg.reduce_sum(x)))
    return x, step, total, train


class Recorder(jg.train.SessionRunHook):
    def __init__(self, fetch):
        self.fetch, self.calls = fetch, []

    def begin(self):
        self.calls.append("begin")

    def after_create_session(self, session, coord):
        self.calls.append("after_create_session")

    def before_run(self, run_context):
        self.calls.append("before_run")
        return jg.train.SessionRunArgs(self.fetch)

    def after_run(self, run_context, run_values):
        self.calls.append(("after_run", int(run_values.results)))

    def end(self, session):
        self.calls.append("end")


def test_monitored_training_session_stops_saves_and_restores(tmp_path):
    x, step, total, train = counting_graph()
    recorder = Recorder(step)
    hooks = [jg.train.StopAtStepHook(num_steps=3), recorder]
    with jg.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), hooks=hooks, save_checkpoint_steps=2,
                                           save_summaries_steps=None, log_step_count_steps=None) as sess:  # fmt: skip
        runs = 0
        while not sess.should_stop():
            assert sess.run(train, {x: np.ones(2, np.float32)}) is None
            runs += 1
    assert runs == 3
    assert recorder.calls == ["begin", "after_create_session"] + [
        c for s in (1, 2, 3) for c in ("before_run", ("after_run", s))
    ] + ["end"]
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith(".json")) == [
        "model.ckpt-0.json",
        "model.ckpt-2.json",
        "model.ckpt-3.json",
    ]
    with jg.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), hooks=[jg.train.StopAtStepHook(last_step=3)],
                                           save_checkpoint_secs=None, save_summaries_steps=None) as sess:  # fmt: skip
        assert sess.should_stop()  # restored at step 3
        assert (int(sess.run(step)), float(sess.run(total))) == (3, 6.0)


def test_monitored_session_swallows_out_of_range_and_nan_hook_raises():
    x, step, total, train = counting_graph()
    with jg.train.MonitoredTrainingSession(save_checkpoint_secs=None, log_step_count_steps=None) as sess:
        sess.run(train, {x: np.ones(1, np.float32)})
        raise jg.errors.OutOfRangeError("End of sequence")
    assert sess.should_stop()
    loss = jg.reduce_sum(x)
    with pytest.raises(jg.train.NanLossDuringTrainingError) as e:
        with jg.train.MonitoredTrainingSession(hooks=[jg.train.NanTensorHook(loss)]) as sess:
            sess.run(train, {x: np.array([np.nan], np.float32)})
    assert str(e.value) == "NaN loss during training."


def test_logging_tensor_hook_logs_every_n_iterations(caplog):
    x, step, total, train = counting_graph()
    hook = jg.train.LoggingTensorHook({"step": step}, every_n_iter=2)
    with caplog.at_level("INFO", logger="jaxgraph"):
        with jg.train.MonitoredTrainingSession(hooks=[hook], log_step_count_steps=None) as sess:
            for _ in range(4):
                sess.run(train, {x: np.ones(1, np.float32)})
    logged = [r.getMessage().split(" (")[0] for r in caplog.records if r.getMessage().startswith("step =")]
    assert logged == ["step = 1", "step = 3"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: jg.train.StopAtStepHook(), "One of num_steps or last_step must be specified."),
        (lambda: jg.train.StopAtStepHook(1, 2), "Only one of num_steps or last_step can be specified."),
        (
            lambda: jg.train.CheckpointSaverHook("d"),
            "exactly one of save_secs and save_steps should be provided.",
        ),
        (lambda: jg.train.LoggingTensorHook([], every_n_iter=0), "invalid every_n_iter=0."),
        (
            lambda: jg.train.SummarySaverHook(save_steps=1),
            "exactly one of output_dir and summary_writer should be provided.",
        ),
    ],
)
def test_hooks_reject_tf1s_bad_arguments(make, message):
    with pytest.raises(jg.errors.InvalidArgumentError) as e:
        make()
    assert str(e.value) == message


def test_stop_at_step_hook_needs_a_global_step():
    jg.placeholder(jg.float32, (), name="x")
    with pytest.raises(jg.errors.InvalidArgumentError) as e:
        jg.train.MonitoredTrainingSession(hooks=[jg.train.StopAtStepHook(1)])
    assert str(e.value) == "Global step should be created to use StopAtStepHook."
