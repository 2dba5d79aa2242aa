"""Names shared by the driver, the hub, the trainable and the evaluators."""

NAMESPACE = "rayga"  # Ray namespace of every named actor of rayga
