"""The OpenAPI schema and its Swagger UI page, with Swagger's files from drf-spectacular-sidecar
(a PyPI package), never from a CDN.

With `drf_spectacular_sidecar` in INSTALLED_APPS the files are ordinary static files (collected and
served by WhiteNoise); until then this module serves them from the installed package itself.
"""

from pathlib import Path

import drf_spectacular_sidecar
from django.apps import apps
from django.http import Http404
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

SIDECAR_DIR = Path(drf_spectacular_sidecar.__file__).resolve().parent / "static" / "drf_spectacular_sidecar"
SWAGGER = "swagger-ui-dist"


def _asset_url(filename: str) -> str:
    if apps.is_installed("drf_spectacular_sidecar"):
        return static(f"drf_spectacular_sidecar/{SWAGGER}/{filename}")
    return reverse("api_docs_asset", args=[f"{SWAGGER}/{filename}"])


class SchemaView(SpectacularAPIView):
    pass


class DocsView(SpectacularSwaggerView):
    url_name = "api_schema"

    @staticmethod
    def _swagger_ui_resource(filename):
        return _asset_url(filename)

    @staticmethod
    def _swagger_ui_favicon():
        return _asset_url("favicon-32x32.png")


@require_GET
def docs_asset(request, path: str):
    """Swagger UI's own files, straight from the sidecar package (read-only, that folder only)."""
    if not path.startswith(f"{SWAGGER}/"):
        raise Http404("Not a docs asset")
    response = serve(request, path, document_root=SIDECAR_DIR)
    response["Cache-Control"] = "public, max-age=86400"
    return response
