"""Built-in strategies: parameter spaces and signal rules."""
