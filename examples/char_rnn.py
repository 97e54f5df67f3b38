"""The char-RNN walkthrough (Karpathy's 2-layer LSTM over characters, trained on the Python
standard library's sources). Its code ships inside the package, ``jaxgraph.demo.char_rnn``, so
that ``jaxgraph demo`` works from an installed jaxgraph; this script runs the same thing.

Run: ``python examples/char_rnn.py [--quick] [--steps N] [--hidden H] [--seq-len T]``
(``--help`` lists every option).
"""

from jaxgraph.demo.char_rnn import main

if __name__ == "__main__":
    main()
