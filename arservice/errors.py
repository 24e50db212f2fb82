"""One exception root for the whole service.

    ArServiceError                 anything arservice refuses, with every problem as an ErrorItem
     ├── TemplateError             a template does not parse or validate (code: template_invalid)
     ├── ParameterError            parameter values are missing, unknown, of the wrong type or out
     │                             of range (code: parameters_invalid)
     ├── BuildError                the template's checks fail, or the expanded model passes a limit
     │                             (code: build_failed)
     ├── AssetError                an uploaded GLB is refused (code: asset_invalid)
     ├── ExpressionError           one expression is refused; callers add its place and re-raise it
     │                             inside one of the errors above (code: expression_invalid)
     ├── InputError                a request's field is not acceptable (code: input_invalid)
     ├── NotFoundError             what was asked for does not exist, or is not public
     │                             (code: not_found)
     ├── ConflictError             it would clash with what exists: a taken slug or email, a
     │                             template version already there (code: conflict)
     ├── NotAuthenticatedError     no valid login or API token (code: not_authenticated)
     ├── ForbiddenError            logged in, but the role may not do this, or the CSRF token is
     │                             missing (code: forbidden, csrf_failed)
     └── TooManyRequestsError      too many attempts; try later (code: too_many_requests)

The web layer maps each kind to its HTTP status (web/errors.py); services raise them without
knowing about HTTP.

Every item carries its place (``parts[3].size[0]``), a message id (the English text, with
``{name}`` placeholders) and the values for the placeholders, so the message can be shown in the
reader's language: ``error.items[0].message("fi")``. A problem in a text someone wrote (an uploaded
template) also carries the ``line`` of that text it is on (:meth:`ArServiceError.with_lines`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Self

from arservice.i18n import pick_text, translate


@dataclass(frozen=True)
class ErrorItem:
    """One problem: where it is, what is wrong, and the values the message names.

    ``texts`` holds a message a template author wrote per language (a failing check); it is
    shown instead of the catalog message, in the reader's language or the fallback order.
    """

    loc: str
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    texts: Mapping[str, str] | None = None
    line: int | None = None
    """The line (1-based) of the source text the place is on, when the problem is in one."""

    def message(self, lang: str = "en") -> str:
        if self.texts:
            return pick_text(self.texts, lang)
        return translate(lang, self.msgid, **self.params)

    def describe(self, lang: str = "en") -> str:
        """``place: message``, or the message alone when the problem has no place."""
        text = self.message(lang)
        return f"{self.loc}: {text}" if self.loc else text

    def at(self, prefix: str) -> ErrorItem:
        """The same item, placed under ``prefix`` (``parts[2]`` + ``size[0]``)."""
        if not prefix:
            return self
        if not self.loc:
            loc = prefix
        elif self.loc.startswith("["):
            loc = prefix + self.loc
        else:
            loc = f"{prefix}.{self.loc}"
        return ErrorItem(loc, self.msgid, self.params, self.texts, self.line)


class ArServiceError(Exception):
    """The root of every error arservice raises on purpose."""

    code = "error"

    def __init__(self, items: Iterable[ErrorItem]) -> None:
        self.items: tuple[ErrorItem, ...] = tuple(items)
        super().__init__(self.describe("en"))

    @classmethod
    def single(cls, loc: str, msgid: str, **params: Any) -> ArServiceError:
        return cls([ErrorItem(loc, msgid, params)])

    def describe(self, lang: str = "en") -> str:
        return "\n".join(item.describe(lang) for item in self.items)

    def with_lines(self, line_of: Callable[[str], int | None]) -> Self:
        """The same error, each item given the line ``line_of(loc)`` finds for its place (an
        item that has a line keeps it)."""
        located = type(self).__new__(type(self))
        located.__dict__.update(self.__dict__)  # what a subclass keeps (retry_after, ...)
        located.items = tuple(
            item if item.line is not None else replace(item, line=line_of(item.loc))
            for item in self.items
        )
        Exception.__init__(located, *self.args)
        return located


class TemplateError(ArServiceError):
    code = "template_invalid"


class ParameterError(ArServiceError):
    code = "parameters_invalid"


class BuildError(ArServiceError):
    code = "build_failed"


class AssetError(ArServiceError):
    code = "asset_invalid"


class ExpressionError(ArServiceError):
    code = "expression_invalid"


class InputError(ArServiceError):
    code = "input_invalid"


class NotFoundError(ArServiceError):
    code = "not_found"


class ConflictError(ArServiceError):
    code = "conflict"


class NotAuthenticatedError(ArServiceError):
    code = "not_authenticated"


class ForbiddenError(ArServiceError):
    code = "forbidden"


class CsrfError(ForbiddenError):
    code = "csrf_failed"


class TooManyRequestsError(ArServiceError):
    code = "too_many_requests"

    def __init__(self, items: Iterable[ErrorItem], *, retry_after: int = 60) -> None:
        super().__init__(items)
        self.headers = {"Retry-After": str(retry_after)}
