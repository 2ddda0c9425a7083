"""onbrand flows."""
