"""The scoring method of the inspection, as pure functions. No Qt, no SQL."""
