"""The capacity planner's outputs, each read from a built warehouse through SQL on a read-only connection: a system's
brief (brief.py), how many accelerators meet a target (estimate.py, with scaling.py's laws for extrapolation and
sizing.py's whole systems for inference), and the page of charts (report.py).

The planner reads the store and never writes it: it needs none of the store's modules (warehouse/), and the store
never imports the planner (tests/test_layout.py checks the direction)."""
