"""Use cases: what a planner, a resident or the command line asks the service to do."""
