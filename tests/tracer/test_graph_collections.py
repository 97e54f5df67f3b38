"""Graph collections (jaxgraph/tracer/graph_collections.py and ``builder.Graph``'s collection
methods): TF1's ``GraphKeys`` strings, ``get_collection``'s scope regex, references, and the
collections jaxgraph itself fills."""

from __future__ import annotations

import jaxgraph as jg


def test_graph_keys_are_tf1_strings_and_jaxgraph_files_under_them():
    keys = jg.GraphKeys
    assert (keys.GLOBAL_VARIABLES, keys.VARIABLES, keys.TRAINABLE_VARIABLES) == (
        "variables", "variables", "trainable_variables"
    )  # fmt: skip
    assert (keys.UPDATE_OPS, keys.LOSSES, keys.REGULARIZATION_LOSSES, keys.SUMMARIES) == (
        "update_ops", "losses", "regularization_losses", "summaries"
    )  # fmt: skip
    assert (keys.GLOBAL_STEP, keys.LOCAL_VARIABLES, keys.MODEL_VARIABLES, keys.TABLE_INITIALIZERS) == (
        "global_step", "local_variables", "model_variables", "table_initializer"
    )  # fmt: skip
    w = jg.Variable(1.0, name="w")
    frozen = jg.Variable(2.0, name="frozen", trainable=False)
    step = jg.train.get_or_create_global_step()
    loss = jg.summary.scalar("loss", w * 2.0)["loss"]
    assert jg.get_collection(keys.GLOBAL_VARIABLES) == [w, frozen, step]
    assert jg.get_collection("trainable_variables") == [w]
    assert jg.get_collection(keys.GLOBAL_STEP) == [step]
    assert jg.get_collection(keys.SUMMARIES) == [loss]
    assert jg.get_default_graph().get_all_collection_keys() == [
        "variables", "trainable_variables", "global_step", "summaries"
    ]  # fmt: skip


def test_get_collection_scope_is_a_regex_matched_at_the_start_of_names():
    with jg.variable_scope("dense"):
        kernel = jg.get_variable("kernel", (2,))
    with jg.variable_scope("dense_1"):
        other = jg.get_variable("kernel", (2,))
    loss = jg.reduce_sum(kernel, name="dense_loss")
    jg.add_to_collection(jg.GraphKeys.LOSSES, loss)
    jg.add_to_collection(jg.GraphKeys.LOSSES, 3.0)  # items without a name drop out of scoped reads
    assert jg.get_collection(jg.GraphKeys.LOSSES) == [loss, 3.0]
    assert jg.get_collection("losses", scope="dense") == [loss]
    assert jg.get_collection("variables", scope="dense") == [kernel, other]
    assert jg.get_collection("variables", scope="dense/") == [kernel]
    assert jg.get_collection("variables", scope=r"dense_\d") == [other]
    assert jg.get_collection("variables", scope="kernel") == []  # matched at the start only
    assert jg.global_variables(r"dense_\d") == jg.trainable_variables("dense_1") == [other]
    assert jg.get_collection("missing") == [] and jg.get_collection("missing", scope="x") == []


def test_get_collection_copies_and_get_collection_ref_shares():
    jg.add_to_collection("mine", 1)
    copy = jg.get_collection("mine")
    copy.append(2)
    assert jg.get_collection("mine") == [1]
    ref = jg.get_collection_ref("mine")
    ref.append(3)
    assert jg.get_collection("mine") == [1, 3]
    fresh = jg.get_collection_ref("fresh")  # created empty, then filled through the reference
    fresh.append("x")
    assert jg.get_collection("fresh") == ["x"]


def test_add_to_collections_adds_once_per_name_and_acts_on_the_default_graph():
    g = jg.Graph()
    with g.as_default():
        jg.add_to_collections(["a", "b", "a"], "v")
        jg.add_to_collections("c", "w")
    assert (g.get_collection("a"), g.get_collection("b"), g.get_collection("c")) == (["v"], ["v"], ["w"])
    assert jg.get_collection("a") == []  # the outer default graph is untouched
