"""The OpenAPI schema and its Swagger UI page, with Swagger's files from drf-spectacular-sidecar
(a PyPI package), never from a CDN.

With `drf_spectacular_sidecar` in INSTALLED_APPS the files are ordinary static files (collected and
served by WhiteNoise); until then this module serves them from the installed package itself.

The schema and the docs are for signed-in users (a token or a session) unless API_DOCS_PUBLIC is
on: they list every endpoint and field. The docs page is Swagger UI's split view (its start-up
script is a separate request, not inline) under a policy that allows Swagger's inline styles.
"""

from pathlib import Path

import drf_spectacular_sidecar
from django.apps import apps
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, IsAuthenticated

from core.csp import HEADER as CSP_HEADER

SIDECAR_DIR = Path(drf_spectacular_sidecar.__file__).resolve().parent / "static" / "drf_spectacular_sidecar"
SWAGGER = "swagger-ui-dist"


def _asset_url(filename: str) -> str:
    if apps.is_installed("drf_spectacular_sidecar"):
        return static(f"drf_spectacular_sidecar/{SWAGGER}/{filename}")
    return reverse("api_docs_asset", args=[f"{SWAGGER}/{filename}"])


# Swagger UI styles its widgets with inline style attributes; its scripts are still our own files.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
            "form-action 'self'")


class _DocsAccess:
    def get_permissions(self):
        return [AllowAny()] if settings.API_DOCS_PUBLIC else [IsAuthenticated()]


class SchemaView(_DocsAccess, SpectacularAPIView):
    pass


class DocsView(_DocsAccess, SpectacularSwaggerSplitView):
    url_name = "api_schema"

    def permission_denied(self, request, message=None, code=None):
        if not request.user.is_authenticated and request.GET.get("script") is None:
            raise _SignIn(request.get_full_path())
        super().permission_denied(request, message, code)

    def handle_exception(self, exc):
        if isinstance(exc, _SignIn):
            return redirect_to_login(exc.next_url)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response[CSP_HEADER] = DOCS_CSP
        return response

    @staticmethod
    def _swagger_ui_resource(filename):
        return _asset_url(filename)

    @staticmethod
    def _swagger_ui_favicon():
        return _asset_url("favicon-32x32.png")


class _SignIn(Exception):
    def __init__(self, next_url: str):
        self.next_url = next_url


@require_GET
def docs_asset(request, path: str):
    """Swagger UI's own files, straight from the sidecar package (read-only, that folder only)."""
    if not path.startswith(f"{SWAGGER}/"):
        raise Http404("Not a docs asset")
    response = serve(request, path, document_root=SIDECAR_DIR)
    response["Cache-Control"] = "public, max-age=86400"
    return response


# The answers every operation may give besides its own: DRF's {"detail": …} for refusals, and the
# field errors of a bad filter or body. Documented so clients (and schemathesis) can rely on them.
ERROR_RESPONSES = {
    "400": "Bad request: a filter, ordering or body field is invalid (field → list of messages).",
    "401": "No credentials, or an unknown token.",
    "403": "Signed in, but this role may not do this.",
    "404": "No such object visible to you, or a page past the end of the list.",
    "429": "Too many requests; retry after the number of seconds in the Retry-After header.",
}
DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
FIELD_ERRORS = {"type": "object", "additionalProperties": True,
                "description": "Each invalid field with its messages, or `detail`/`non_field_errors`."}


def document_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): adds the
    error answers above to every operation that does not document its own."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", DETAIL)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                if code in responses:
                    continue
                ref = {"$ref": f"#/components/schemas/{'FieldErrors' if code == '400' else 'ErrorDetail'}"}
                responses[code] = {"description": description, "content": {"application/json": {"schema": ref}}}
    return result
