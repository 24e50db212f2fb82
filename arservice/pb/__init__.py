"""Participatory-budgeting sources -> plain records (:mod:`.records`).

    graphql.py   a polite GraphQL client: rate limit, retries with backoff, clear errors
    decidim.py   Decidim's API: budgets, projects, accountability results -> Project records
    csv_source.py  a CSV file of projects (other platforms, spreadsheets) -> Project records
    rules.py     mapping rules: category / scope / keywords -> a template and default values
    text.py      HTML -> plain text
    errors.py    SourceError and the messages of this package

The one network client below ``services/``: it takes its ``httpx.Client`` from the caller,
reads no settings and no files, and keeps parsing and mapping pure.
"""
