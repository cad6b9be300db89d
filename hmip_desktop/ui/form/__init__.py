"""The case form: layout from the instrument, question rows, section pages, navigator."""
