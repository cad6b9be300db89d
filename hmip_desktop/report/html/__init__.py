"""The web edition: the report's blocks as one self-contained, accessible HTML page."""
