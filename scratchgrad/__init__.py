"""The `scratchgrad` command line: demo, train, graph, gradcheck (see `scratchgrad.cli`)."""
