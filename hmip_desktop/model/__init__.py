"""The core: instrument, inspection files, imports. Pure Python, no Qt."""
