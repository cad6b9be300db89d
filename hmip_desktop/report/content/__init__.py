"""The report's content, free of any format: `report_blocks(model)` is what both editions lay out."""
