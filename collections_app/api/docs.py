"""The OpenAPI schema and its Swagger UI page, with Swagger's files served from our own static
files (drf-spectacular-sidecar), never from a CDN."""

from django.templatetags.static import static
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

SIDECAR = "drf_spectacular_sidecar/swagger-ui-dist"


class SchemaView(SpectacularAPIView):
    pass


class DocsView(SpectacularSwaggerView):
    url_name = "api_schema"

    @staticmethod
    def _swagger_ui_resource(filename):
        return static(f"{SIDECAR}/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return static(f"{SIDECAR}/favicon-32x32.png")
