"""The inspection report as a PDF (reportlab; never Qt)."""
