"""A two-layer perceptron with int64 labels, name scopes, summaries, Adam and a checkpoint that
is saved, then restored into a fresh Session."""

import os
import tempfile

import numpy as np
from sklearn.datasets import load_digits

import jaxgraph as tf

digits = load_digits()
images = (digits.data / 16.0).astype(np.float32)
targets = digits.target.astype(np.int64)
rng = np.random.RandomState(1)
workdir = tempfile.mkdtemp()

x = tf.placeholder(tf.float32, [None, 64], name="x")
labels = tf.placeholder(tf.int64, [None], name="labels")
with tf.name_scope("hidden"):
    W1 = tf.Variable(rng.normal(0, 0.1, (64, 32)).astype(np.float32), name="W1")
    b1 = tf.Variable(tf.zeros([32]), name="b1")
    h = tf.nn.relu(tf.matmul(x, W1) + b1)
with tf.name_scope("logits"):
    W2 = tf.Variable(rng.normal(0, 0.1, (32, 10)).astype(np.float32), name="W2")
    b2 = tf.Variable(tf.zeros([10]), name="b2")
    logits = tf.matmul(h, W2) + b2
with tf.name_scope("loss"):
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    tf.summary.scalar("loss", loss)
global_step = tf.Variable(0, name="global_step", trainable=False)
train_op = tf.train.AdamOptimizer(0.01).minimize(loss, global_step=global_step)
predicted = tf.argmax(logits, 1, output_type=tf.int64)
accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, labels), tf.float32))
merged = tf.summary.merge_all()
saver = tf.train.Saver()

losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    writer = tf.summary.FileWriter(os.path.join(workdir, "logs"), sess.graph)
    for step in range(60):
        start = (step * 50) % 1500
        feed = {x: images[start : start + 50], labels: targets[start : start + 50]}
        summary, _, l = sess.run([merged, train_op, loss], feed_dict=feed)
        writer.add_summary(summary, step)
        losses.append(l)
    writer.close()
    save_path = saver.save(sess, os.path.join(workdir, "model.ckpt"), global_step=global_step)
    accuracy_before = sess.run(accuracy, {x: images[1500:], labels: targets[1500:]})

with tf.Session() as sess:
    saver.restore(sess, tf.train.latest_checkpoint(workdir))
    results = {
        "losses": np.array(losses, dtype=np.float64),
        "accuracy": accuracy_before,
        "accuracy_restored": sess.run(accuracy, {x: images[1500:], labels: targets[1500:]}),
        "global_step": sess.run(global_step),
        "checkpoint_name": os.path.basename(save_path),
    }
