"""The composition root: config, the poll and delivery workflows, the scheduler and the CLI."""
