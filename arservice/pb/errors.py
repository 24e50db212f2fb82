"""What can go wrong while reading a participatory-budgeting source, as one error kind.

    ArServiceError
     └── SourceError          the source cannot be read: unreachable, not Decidim, a component
                              that is not a budget, a schema without a field the import needs,
                              an answer that is not JSON, GraphQL errors, too many retries
                              (code: pb_source_failed)

A bad CSV file or rules file is the caller's input: those are :class:`~arservice.errors.InputError`
with the line or rule as the place. Nothing is imported when either is raised: the import reads
everything first and writes afterwards.
"""

from __future__ import annotations

from arservice.errors import ArServiceError
from arservice.i18n import N_


class SourceError(ArServiceError):
    """The participatory-budgeting platform could not be read (code: pb_source_failed)."""

    code = "pb_source_failed"


MSG_UNREACHABLE = N_("cannot reach {url}: {reason}; check the address")
MSG_HTTP_STATUS = N_(
    "{url} answered HTTP {status}; give the address of a Decidim site (its API is at /api)"
)
MSG_REDIRECT = N_("{url} redirects to {location}; give that address instead")
MSG_GAVE_UP = N_(
    "{url} still answered {what} after {attempts} attempts; the site may be busy: try again later"
)
MSG_TOO_LARGE = N_("the answer of {url} is larger than {limit} MB; this is not a Decidim API")
MSG_NOT_JSON = N_("{url} did not answer JSON: it is not a GraphQL API (a Decidim API is at /api)")
MSG_NOT_GRAPHQL = N_("{url} answered JSON that is not a GraphQL answer (no 'data' or 'errors')")
MSG_NOT_DECIDIM = N_(
    "{url} is a GraphQL API but not Decidim's: it has no '{field}' query; check the address"
)
MSG_GRAPHQL = N_("the Decidim API refused the request: {message}")
MSG_NO_COMPONENT = N_(
    "there is no published component {id} on this Decidim site; the id is the number after /f/ "
    "in the address of the budgets page"
)
MSG_NOT_BUDGETS = N_(
    "component {id} is a {kind} component, not Budgets; give the id of the budgets component"
)
MSG_NOT_ACCOUNTABILITY = N_(
    "component {id} is a {kind} component, not Accountability; give the id of the results component"
)
MSG_NO_BUDGET = N_("component {component} has no budget {id}; its budgets are: {known}")
MSG_SCHEMA_FIELD = N_(
    "this Decidim API has no {type}.{field}, which the import needs; is it Decidim 0.27 or newer?"
)
MSG_SCHEMA_SHAPE = N_(
    "the Decidim API answered something unexpected at {path}: {detail}; is it Decidim 0.27 or "
    "newer?"
)
MSG_ADDRESS = N_("must be the http:// or https:// address of a Decidim site (got '{value}')")
MSG_PRIVATE_HOST = N_(
    "{host} is an address of a private or local network; the import reads public Decidim sites only"
)
