"""The PDF edition: the report's blocks laid out on A4 pages with reportlab."""
