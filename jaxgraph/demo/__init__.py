"""``jaxgraph demo``: the walkthrough that ships with the package (``jaxgraph.demo.char_rnn``),
so it runs from an installed jaxgraph as well as from a source checkout."""
