"""onbrand agents."""
