"""The company logo every HTML email shows (reminders.models.Branding): public, since a mail
program fetches it without signing in. 404 when no logo is set."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from reminders.models import Branding


@require_GET
def email_logo(request):
    branding = Branding.objects.filter(pk=1).first()
    if branding is None or not branding.logo:
        raise Http404("No logo is set.")
    try:
        response = FileResponse(branding.logo.open("rb"))
    except FileNotFoundError as exc:
        raise Http404("The logo file is missing.") from exc
    response["Cache-Control"] = "public, max-age=86400"
    return response
