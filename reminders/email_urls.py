"""What HTML emails load, and the template editor's frame showing one (included by
collections_app.urls under email/)."""

from django.urls import path

from reminders.views import branding, previews

urlpatterns = [
    path("logo/", branding.email_logo, name="email_logo"),
    path("templates/<int:pk>/preview/", previews.template_preview_html, name="dunning_template_preview_html"),
]
