"""A FAIR dataset catalogue: harvest DCAT-AP, validate with SHACL, store, index and serve."""

__version__ = "0.1.0"
