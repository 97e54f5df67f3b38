"""Karpathy's char-RNN in jaxgraph: a 2-layer LSTM language model over characters, written as a
TF1 program (placeholders, ``variable_scope``, ``tf.nn.rnn_cell``, ``dynamic_rnn``, Adam,
``clip_by_global_norm``, a Session).

The corpus needs no download: Karpathy trained on the Linux kernel's source; this trains on the
Python standard library's own source files (``os.path.dirname(os.__file__)``, top-level ``*.py``
files in sorted order, up to ``--max-chars`` characters) or on ``--text FILE``. It trains on
random windows of ``--seq-len`` characters, prints the loss as it goes, then samples text one
character at a time with a ``--temperature``. ``--quick`` is a first look (a small model, a few
steps: seconds on a laptop); the defaults are the full walkthrough (minutes).

Outputs in ``--out`` (default ``runs/char_rnn``): ``train_step.ir`` (the IR of the train step,
gradients and Adam updates included), ``sample.txt``, a checkpoint (``ckpt/``) and, when the
``tensorboard`` package is installed, TensorBoard logs (``logs/``).

Run: ``jaxgraph demo [--quick] [--steps N] [--hidden H] [--seq-len T]`` (or
``python examples/char_rnn.py ...`` in a source checkout).
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import jaxgraph as jg


def load_corpus(text: str | None, max_chars: int) -> str:
    """``text``'s contents, or the standard library's top-level sources concatenated in sorted
    order, at most ``max_chars`` characters either way."""
    if text is not None:
        return Path(text).read_text(encoding="utf-8", errors="replace")[:max_chars]
    parts, size = [], 0
    for path in sorted(glob.glob(os.path.join(os.path.dirname(os.__file__), "*.py"))):
        source = Path(path).read_text(encoding="utf-8", errors="replace")
        parts.append(source[: max_chars - size])
        size += len(parts[-1])
        if size >= max_chars:
            break
    return "".join(parts)


def build_model(vocab_size: int, hidden: int, layers: int, learning_rate: float, clip_norm: float,
                seed: int) -> tuple[jg.Graph, dict[str, Any]]:  # fmt: skip
    """The training graph and, sharing its Variables, a one-character sampling step."""
    graph = jg.Graph()
    with graph.as_default():
        jg.set_random_seed(seed)
        inputs = jg.placeholder(jg.int32, (None, None), name="inputs")
        targets = jg.placeholder(jg.int32, (None, None), name="targets")
        cell = jg.nn.rnn_cell.MultiRNNCell([jg.nn.rnn_cell.BasicLSTMCell(hidden) for _ in range(layers)])
        embedding = jg.get_variable("embedding", (vocab_size, hidden))
        with jg.variable_scope("softmax"):
            w = jg.get_variable("w", (hidden, vocab_size))
            b = jg.get_variable("b", (vocab_size,), initializer=jg.zeros_initializer())

        def logits_of(outputs: jg.Tensor) -> jg.Tensor:
            return jg.matmul(jg.reshape(outputs, (-1, hidden)), w) + b

        outputs, _ = jg.nn.dynamic_rnn(cell, jg.nn.embedding_lookup(embedding, inputs), dtype=jg.float32)
        logits = logits_of(outputs)
        loss = jg.reduce_mean(
            jg.nn.sparse_softmax_cross_entropy_with_logits(labels=jg.reshape(targets, (-1,)), logits=logits)
        )
        params = jg.trainable_variables()
        grads, _ = jg.clip_by_global_norm(jg.gradients(loss, params), clip_norm)
        global_step = jg.train.get_or_create_global_step()
        train_op = jg.train.AdamOptimizer(learning_rate).apply_gradients(zip(grads, params), global_step)

        with jg.name_scope("sample"):
            char = jg.placeholder(jg.int32, (1,), name="char")
            temperature = jg.placeholder(jg.float32, (), name="temperature")
            state = tuple(
                jg.nn.rnn_cell.LSTMStateTuple(*(jg.placeholder(jg.float32, (1, hidden)) for _ in "ch"))
                for _ in range(layers)
            )
            out, next_state = cell(jg.nn.embedding_lookup(embedding, char), state)
            probs = jg.nn.softmax(logits_of(out) / temperature)[0]
        init = jg.global_variables_initializer()
    model = dict(inputs=inputs, targets=targets, loss=loss, train_op=train_op, init=init,
                 char=char, temperature=temperature, state=state, next_state=next_state, probs=probs)  # fmt: skip
    return graph, model


def sample(sess: jg.Session, model: dict, vocab: str, prime: str, length: int, temperature: float,
           rng: np.random.Generator) -> str:  # fmt: skip
    """``prime`` followed by ``length`` characters drawn one at a time from the model."""
    index = {c: i for i, c in enumerate(vocab)}
    placeholders = _leaves(model["state"])
    state = [np.zeros(t.shape.as_list(), np.float32) for t in placeholders]
    text = [c for c in prime if c in index] or [vocab[0]]

    def step(char: int) -> np.ndarray:
        nonlocal state
        feed = {model["char"]: [char], model["temperature"]: temperature, **dict(zip(placeholders, state))}
        probs, next_state = sess.run([model["probs"], model["next_state"]], feed)
        state = _leaves(next_state)
        probs = np.asarray(probs, np.float64)
        return probs / probs.sum()

    for c in text[:-1]:
        step(index[c])
    char = index[text[-1]]
    for _ in range(length):
        char = int(rng.choice(len(vocab), p=step(char)))
        text.append(vocab[char])
    return "".join(text)


def _leaves(state: Any) -> list[Any]:
    """The tensors (or arrays) of a MultiRNNCell state: ``c, h`` of each layer in order."""
    return [leaf for layer in state for leaf in layer]


def encode(corpus: str, vocab: str) -> np.ndarray:
    """Each character's index in the sorted ``vocab``, as int32."""
    codes = np.frombuffer(corpus.encode("utf-32-le"), np.uint32)
    return np.searchsorted(np.array([ord(c) for c in vocab], np.uint32), codes).astype(np.int32)


QUICK = dict(steps=60, hidden=32, layers=1, seq_len=16, batch_size=16, max_chars=200_000, sample_length=200)
"""``--quick``: a first look in seconds (the loss falls, the sample is still mostly noise)."""


def _logging(graph: jg.Graph, model: dict, out: Path) -> tuple[Any, Any]:
    """TensorBoard writer and loss summary; (None, None) without the ``tensorboard`` package
    (an optional dependency: ``pip install tensorboard``)."""
    if importlib.util.find_spec("tensorboard") is None:
        return None, None
    with graph.as_default():
        summary = jg.summary.scalar("loss", model["loss"])
    return jg.summary.FileWriter(str(out / "logs"), graph), summary


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; with ``--quick``, the ``QUICK`` sizes that are not given explicitly."""
    parser = argparse.ArgumentParser(
        prog="jaxgraph demo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a first look: " + ", ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in QUICK.items()))  # fmt: skip
    parser.add_argument("--steps", type=int, default=2000, help="training steps")
    parser.add_argument("--hidden", type=int, default=128, help="LSTM units per layer")
    parser.add_argument("--layers", type=int, default=2, help="LSTM layers")
    parser.add_argument("--seq-len", type=int, default=64, help="characters per training window")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per step")
    parser.add_argument("--learning-rate", type=float, default=0.005)
    parser.add_argument("--clip-norm", type=float, default=5.0, help="global-norm gradient clipping")
    parser.add_argument("--text", help="train on this file instead of the standard library's sources")
    parser.add_argument("--max-chars", type=int, default=2_000_000, help="corpus size limit")
    parser.add_argument("--out", default="runs/char_rnn", help="directory for the IR dump, sample, logs")
    parser.add_argument("--temperature", type=float, default=0.7, help="sampling temperature")
    parser.add_argument("--sample-length", type=int, default=400, help="characters to sample")
    parser.add_argument("--prime", default="def ", help="text the sample starts from")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress lines or printed sample")
    if parser.parse_args(argv).quick:  # the QUICK sizes become the defaults: explicit options win
        parser.set_defaults(**QUICK)
    return parser.parse_args(argv)


def _corpus_or_exit(args: argparse.Namespace) -> str:
    """The corpus; exits with one line saying why when it is too small to train on."""
    corpus = load_corpus(args.text, args.max_chars)
    if len(corpus) <= args.seq_len + 1:
        where = args.text or f"the standard library's sources (*.py in {os.path.dirname(os.__file__)})"
        raise SystemExit(
            f"jaxgraph demo: the corpus, {where}, has {len(corpus)} characters: fewer than "
            f"--seq-len {args.seq_len} + 2 (pass --text FILE to train on another text)"
        )
    return corpus


def _progress(step: int, steps: int, losses: list[float], quiet: bool) -> None:
    """A line on stderr at every tenth of the run: the step and the mean of the last 20 losses."""
    if not quiet and (step + 1) % max(1, steps // 10) == 0:
        print(f"char-rnn step {step + 1}/{steps}  loss {np.mean(losses[-20:]):.3f}", file=sys.stderr)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Trains, samples and writes the outputs; returns the losses, the sample and timings."""
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = _corpus_or_exit(args)
    vocab = "".join(sorted(set(corpus)))
    data = encode(corpus, vocab)
    graph, model = build_model(
        len(vocab), args.hidden, args.layers, args.learning_rate, args.clip_norm, args.seed
    )
    rng = np.random.default_rng(args.seed)
    offsets = np.arange(args.seq_len + 1)

    def batch() -> dict:
        starts = rng.integers(0, len(data) - args.seq_len - 1, size=args.batch_size)
        windows = data[starts[:, None] + offsets]
        return {model["inputs"]: windows[:, :-1], model["targets"]: windows[:, 1:]}

    writer, summary = _logging(graph, model, out)
    with graph.as_default():
        saver = jg.train.Saver()
    losses = []
    start = time.perf_counter()
    with jg.Session(graph=graph) as sess:
        sess.run(model["init"])
        (out / "train_step.ir").write_text(sess.dump([model["loss"], model["train_op"]], batch(), stage="ir"))
        fetches = [model["loss"], model["train_op"]] + ([summary] if writer is not None else [])
        for step in range(args.steps):
            loss, _, *logged = sess.run(fetches, batch())
            if logged and step % 10 == 0:
                writer.add_summary(logged[0], step)
            losses.append(float(loss))
            _progress(step, args.steps, losses, args.quiet)
        train_seconds = time.perf_counter() - start
        (out / "ckpt").mkdir(exist_ok=True)
        saver.save(sess, str(out / "ckpt" / "model"), global_step=args.steps)
        text = sample(sess, model, vocab, args.prime, args.sample_length, args.temperature, rng)
    if writer is not None:
        writer.close()
    (out / "sample.txt").write_text(text, encoding="utf-8")
    window = max(1, min(20, len(losses) // 5))
    result = dict(first_loss=float(np.mean(losses[:window])), final_loss=float(np.mean(losses[-window:])),
                  sample=text, vocab_size=len(vocab), corpus_chars=len(corpus), train_seconds=train_seconds,
                  out=str(out))  # fmt: skip
    if not args.quiet:
        print(f"\nloss {result['first_loss']:.3f} -> {result['final_loss']:.3f} in {args.steps} steps "
              f"({train_seconds:.0f} s); corpus {len(corpus):,} chars, vocabulary {len(vocab)}")  # fmt: skip
        logs = "TensorBoard logs" if writer is not None else "no TensorBoard logs (pip install tensorboard)"
        print(f"outputs in {out}: train_step.ir (the train step's IR), sample.txt, ckpt/, {logs}")
        print(f"\n--- sample (temperature {args.temperature}) ---")
        print(text)
    return result


if __name__ == "__main__":
    main()
