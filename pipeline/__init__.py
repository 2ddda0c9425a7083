"""onbrand pipeline."""
