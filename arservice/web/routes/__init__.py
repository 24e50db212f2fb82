"""One router per resource: operations, artifacts, templates."""
