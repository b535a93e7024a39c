"""The theatre: a scenario compiled into domain objects, in SI, every name resolved."""
