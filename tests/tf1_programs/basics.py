"""The first pages of a TF1 tutorial: hello world, constants, placeholders, a counter Variable
updated with tf.assign, shapes computed from tensors, and a while loop with its gradient."""

import numpy as np

import jaxgraph as tf

hello = tf.constant("Hello, TensorFlow!")
a = tf.constant(2)
b = tf.constant(3)
matrix1 = tf.constant([[3.0, 3.0]])
matrix2 = tf.constant([[2.0], [2.0]])
product = tf.matmul(matrix1, matrix2)

p = tf.placeholder(tf.int16)
q = tf.placeholder(tf.int16)
add = tf.add(p, q)
mul = tf.multiply(p, q)

state = tf.Variable(0, name="counter")
one = tf.constant(1)
new_value = tf.add(state, one)
update = tf.assign(state, new_value)

z = tf.placeholder(tf.float32, [None, 3])
noise = tf.random_normal(tf.shape(z), stddev=tf.sqrt(0.0))
rows = tf.range(tf.shape(z)[0])
flat = tf.reshape(z + noise, [-1])

x = tf.placeholder(tf.float32, [])
i0 = tf.constant(0)
_, y = tf.while_loop(lambda i, v: v < 100.0, lambda i, v: (i + 1, v * x), [i0, x])
dy_dx = tf.gradients(y, x)[0]

with tf.Session() as sess:
    counts = []
    sess.run(tf.global_variables_initializer())
    for _ in range(3):
        sess.run(update)
        counts.append(sess.run(state))
    feed = {z: np.arange(6, dtype=np.float32).reshape(2, 3)}
    results = {
        "hello": sess.run(hello),
        "a_plus_b": sess.run(a + b),
        "a_times_b": sess.run(a * b),
        "product": sess.run(product),
        "add": sess.run(add, feed_dict={p: 2, q: 3}),
        "mul": sess.run(mul, feed_dict={p: 2, q: 3}),
        "counts": np.array(counts),
        "rows": sess.run(rows, feed),
        "flat": sess.run(flat, feed),
        "loop": np.array(sess.run([y, dy_dx], {x: 3.0})),
    }
