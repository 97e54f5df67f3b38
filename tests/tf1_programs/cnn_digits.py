"""TF1's "Deep MNIST for experts" network, on scikit-learn's 8x8 digits upsampled to 16x16:
conv2d + max_pool twice, a dense layer with dropout, Adam."""

import numpy as np
from sklearn.datasets import load_digits

import jaxgraph as tf

digits = load_digits()
images = np.kron(digits.data.reshape(-1, 8, 8) / 16.0, np.ones((2, 2))).astype(np.float32)
images = images.reshape(-1, 16, 16, 1)
onehot = np.eye(10, dtype=np.float32)[digits.target]
rng = np.random.RandomState(5)


def weight_variable(shape):
    return tf.Variable(rng.normal(0, 0.1, shape).clip(-0.2, 0.2).astype(np.float32))


def bias_variable(shape):
    return tf.Variable(tf.constant(0.1, shape=shape))


def conv2d(x, W):
    return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding="SAME")


def max_pool_2x2(x):
    return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")


x = tf.placeholder(tf.float32, [None, 16, 16, 1])
y_ = tf.placeholder(tf.float32, [None, 10])
keep_prob = tf.placeholder(tf.float32)
h_pool1 = max_pool_2x2(tf.nn.relu(conv2d(x, weight_variable([5, 5, 1, 8])) + bias_variable([8])))
h_pool2 = max_pool_2x2(tf.nn.relu(conv2d(h_pool1, weight_variable([5, 5, 8, 16])) + bias_variable([16])))
h_flat = tf.reshape(h_pool2, [-1, 4 * 4 * 16])
h_fc1 = tf.nn.relu(tf.matmul(h_flat, weight_variable([256, 64])) + bias_variable([64]))
h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)
y_conv = tf.matmul(h_fc1_drop, weight_variable([64, 10])) + bias_variable([10])
cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y_conv))
train_step = tf.train.AdamOptimizer(1e-3).minimize(cross_entropy)
correct_prediction = tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    losses = []
    for i in range(150):
        start = (i * 50) % 1500
        batch = (images[start : start + 50], onehot[start : start + 50])
        _, l = sess.run([train_step, cross_entropy], {x: batch[0], y_: batch[1], keep_prob: 1.0})
        losses.append(l)
    results = {
        "losses": np.array(losses, dtype=np.float64),
        "test_accuracy": accuracy.eval({x: images[1500:], y_: onehot[1500:], keep_prob: 1.0}),
    }
