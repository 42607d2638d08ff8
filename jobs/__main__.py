"""``python -m jobs`` runs the policy-monitor command."""

from jobs.cli import main

main()
