"""The MT5-style genetic algorithm: parameter space, operators and the ask/tell engine (no Ray imports)."""
