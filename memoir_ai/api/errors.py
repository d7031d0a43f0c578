"""Every error of the HTTP API as ``{"error", "remedy"}``, with its status, in one place.

A :class:`~memoir_ai.errors.MemoirAIError` keeps its message and remedy and
gets its status from its class (:func:`status_for`), never from its text:

=====  =====================================================================
400    bad input: ``ValidationError``, ``QueryError`` (a budget too small, an
       empty memory), and a body that is not JSON or not the right shape
401    no valid bearer token (:mod:`memoir_ai._http_guard`, before any route)
404    ``NotFoundError`` (an unknown source, chunk or call) and unknown routes
409    ``SourceChangedError`` / ``SourceCollisionError``: the source exists
       with other content or from another origin
413    a body over ``MEMOIR_MAX_REQUEST_BYTES`` (:mod:`memoir_ai._http_guard`)
503    the database or the model is unavailable: ``DatabaseError``,
       ``LLMError``, ``ClassificationError``, ``ConfigurationError``, and a
       ``QueryError`` caused by a model failure
=====  =====================================================================

Remedies that name a Python argument (``replace=True``) are reworded in the
API's terms from the error's facts. Passwords are scrubbed from every body,
and anything unexpected is a 500 whose details go to the server log only.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from memoir_ai._secrets import mask_secrets
from memoir_ai.errors import (
    ClassificationError,
    ConfigurationError,
    DatabaseError,
    LLMError,
    MemoirAIError,
    NotFoundError,
    QueryError,
    SourceChangedError,
    SourceCollisionError,
)

__all__ = ["error_response", "install_error_handlers", "status_for"]

logger = logging.getLogger(__name__)

_UNAVAILABLE = (DatabaseError, LLMError, ClassificationError, ConfigurationError)


def status_for(error: MemoirAIError) -> int:
    """The HTTP status of an error, by its class (table in the module docstring)."""
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, SourceChangedError | SourceCollisionError):
        return 409
    if isinstance(error, _UNAVAILABLE):
        return 503
    if isinstance(error, QueryError) and isinstance(error.__cause__, LLMError):
        return 503
    return 400


def error_response(status: int, error: str, remedy: str) -> JSONResponse:
    """The one error body, passwords scrubbed."""
    return JSONResponse(
        {"error": mask_secrets(error), "remedy": mask_secrets(remedy)}, status_code=status
    )


def _remedy(error: MemoirAIError) -> str:
    """The remedy in the API's words where the error carries the facts to reword it."""
    if isinstance(error, SourceChangedError):
        return (
            'send the text again with "replace": true to swap it for the stored one, '
            "or use another source_id."
        )
    if isinstance(error, SourceCollisionError):
        return (
            f"use another source_id for {error.origin}, or delete the stored source first "
            "(DELETE /api/sources/<source_id>?confirm=true)."
        )
    return error.remedy


async def _memoir_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, MemoirAIError)
    status = status_for(error)
    if status >= 500:
        logger.warning("%s %s: %s", request.method, request.url.path, error)
    return error_response(status, error.message, _remedy(error))


async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = []
    for problem in error.errors():
        if problem.get("type") == "json_invalid":
            return error_response(
                400,
                f"The request body is not valid JSON ({problem.get('msg', 'invalid')}).",
                "send a JSON object with the header 'Content-Type: application/json'.",
            )
        where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {problem.get('msg', 'invalid')}")
    return error_response(
        400,
        "The request is not valid: " + "; ".join(problems) + ".",
        f"fix the fields named; {request.url.path} is described at /docs.",
    )


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        return error_response(
            404, f"There is no {request.url.path} here.", "see the endpoints at /docs."
        )
    if error.status_code == 405:
        return error_response(
            405,
            f"{request.method} is not allowed on {request.url.path}.",
            "see the methods each endpoint takes at /docs.",
        )
    return error_response(error.status_code, str(error.detail), "see the endpoints at /docs.")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.error("%s %s failed unexpectedly", request.method, request.url.path, exc_info=error)
    return error_response(
        500,
        "The server failed unexpectedly; the details are in its log.",
        "try again; if it keeps failing, report the server log's traceback.",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error with ``{"error", "remedy"}`` (see the module docstring)."""
    app.add_exception_handler(MemoirAIError, _memoir_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
