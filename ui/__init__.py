"""onbrand ui."""
