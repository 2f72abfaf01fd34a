"""The only package that imports SpiffWorkflow: versions, start, complete, timers, lint."""
