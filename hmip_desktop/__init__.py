"""HMIP Desktop: offline case assessment for probation inspection fieldwork."""

__version__ = "0.1.0"
