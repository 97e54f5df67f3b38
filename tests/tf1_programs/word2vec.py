"""Skip-gram word2vec with NCE loss on a paragraph of Python's own documentation, as in the
classic TF1 tutorial (embedding lookup, nce_loss with the default log-uniform sampler, cosine
similarity against normalized embeddings)."""

import collections
import this  # noqa: F401  (prints the Zen of Python; its text is the corpus)

import numpy as np

import jaxgraph as tf

corpus = "".join(this.d.get(c, c) for c in this.s).lower()
words = [w.strip(".,!*-'") for w in corpus.split()]
words = [w for w in words if w]
counts = collections.Counter(words).most_common()
dictionary = {w: i for i, (w, _) in enumerate(counts)}
data = np.array([dictionary[w] for w in words], dtype=np.int32)
vocabulary_size = len(dictionary)
batch_size, embedding_size, num_sampled = 32, 16, 8
rng = np.random.RandomState(7)


def generate_batch(step):
    centers = (np.arange(batch_size) // 2 + step * batch_size // 2) % (len(data) - 2) + 1
    offsets = np.where(np.arange(batch_size) % 2 == 0, -1, 1)
    return data[centers], data[centers + offsets].reshape(batch_size, 1)


train_inputs = tf.placeholder(tf.int32, shape=[batch_size])
train_labels = tf.placeholder(tf.int32, shape=[batch_size, 1])
embeddings = tf.Variable(rng.uniform(-1.0, 1.0, (vocabulary_size, embedding_size)).astype(np.float32))
embed = tf.nn.embedding_lookup(embeddings, train_inputs)
nce_weights = tf.Variable(
    rng.normal(0, 1.0 / np.sqrt(embedding_size), (vocabulary_size, embedding_size)).astype(np.float32)
)
nce_biases = tf.Variable(tf.zeros([vocabulary_size]))
loss = tf.reduce_mean(
    tf.nn.nce_loss(
        weights=nce_weights,
        biases=nce_biases,
        labels=train_labels,
        inputs=embed,
        num_sampled=num_sampled,
        num_classes=vocabulary_size,
    )
)
optimizer = tf.train.GradientDescentOptimizer(1.0).minimize(loss)

# The same loss with fixed candidates, so the numbers can be compared with TF1's exactly.
fixed = tf.constant(np.arange(num_sampled, dtype=np.int64))
true_expected = tf.constant(np.full((batch_size, 1), 0.5, np.float32))
sampled_expected = tf.constant(np.full((num_sampled,), 0.25, np.float32))
fixed_loss = tf.reduce_mean(
    tf.nn.nce_loss(
        weights=nce_weights,
        biases=nce_biases,
        labels=train_labels,
        inputs=embed,
        num_sampled=num_sampled,
        num_classes=vocabulary_size,
        sampled_values=(fixed, true_expected, sampled_expected),
    )
)

norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keep_dims=True))
normalized_embeddings = embeddings / norm
similarity = tf.matmul(normalized_embeddings, normalized_embeddings, transpose_b=True)

with tf.Session() as sess:
    tf.global_variables_initializer().run()
    inputs, labels = generate_batch(0)
    first_fixed_loss = sess.run(fixed_loss, {train_inputs: inputs, train_labels: labels})
    losses = []
    for step in range(300):
        inputs, labels = generate_batch(step)
        _, l = sess.run([optimizer, loss], {train_inputs: inputs, train_labels: labels})
        losses.append(l)
    results = {
        "first_fixed_loss": first_fixed_loss,
        "early_loss": np.mean(losses[:20]),
        "late_loss": np.mean(losses[-20:]),
        "similarity_diagonal": np.diag(sess.run(similarity)),
    }
