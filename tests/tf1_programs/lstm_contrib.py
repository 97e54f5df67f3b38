"""A character-level LSTM with tf.contrib.rnn, static_rnn over unstacked inputs and gradient
clipping, trained on a sentence from Python's own documentation."""

import numpy as np

import jaxgraph as tf

text = "Beautiful is better than ugly. Explicit is better than implicit. Simple is better than complex."
chars = sorted(set(text))
vocab = len(chars)
ids = np.array([chars.index(c) for c in text], dtype=np.int32)
num_steps, batch_size, hidden = 10, 4, 16

inputs = tf.placeholder(tf.int32, [batch_size, num_steps])
targets = tf.placeholder(tf.int32, [batch_size, num_steps])
rng = np.random.RandomState(3)
with tf.variable_scope("model", initializer=tf.constant_initializer(0.05)):
    embedding = tf.get_variable(
        "embedding",
        [vocab, hidden],
        initializer=tf.constant_initializer(rng.uniform(-1.0, 1.0, (vocab, hidden))),
    )
    embedded = tf.nn.embedding_lookup(embedding, inputs)
    cell = tf.contrib.rnn.BasicLSTMCell(hidden, forget_bias=1.0)
    initial_state = cell.zero_state(batch_size, tf.float32)
    outputs, state = tf.contrib.rnn.static_rnn(
        cell, tf.unstack(embedded, num_steps, 1), initial_state=initial_state
    )
    output = tf.reshape(tf.concat(outputs, 1), [-1, hidden])
    softmax_w = tf.get_variable(
        "softmax_w",
        [hidden, vocab],
        initializer=tf.constant_initializer(rng.uniform(-0.1, 0.1, (hidden, vocab))),
    )
    softmax_b = tf.get_variable("softmax_b", [vocab], initializer=tf.zeros_initializer())
    logits = tf.matmul(output, softmax_w) + softmax_b
loss = tf.reduce_mean(
    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.reshape(targets, [-1]), logits=logits)
)
tvars = tf.trainable_variables()
grads, _ = tf.clip_by_global_norm(tf.gradients(loss, tvars), 5.0)
train_op = tf.train.GradientDescentOptimizer(1.0).apply_gradients(zip(grads, tvars))

losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(40):
        starts = (np.arange(batch_size) * 20 + step) % (len(ids) - num_steps - 1)
        x = np.stack([ids[s : s + num_steps] for s in starts])
        y = np.stack([ids[s + 1 : s + num_steps + 1] for s in starts])
        l, _ = sess.run([loss, train_op], {inputs: x, targets: y})
        losses.append(l)
    results = {
        "losses": np.array(losses, dtype=np.float64),
        "variable_names": " ".join(v.name for v in tvars),
        "state_c_shape": np.array(state.c.get_shape().as_list()),
    }
