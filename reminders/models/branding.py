"""How the company's emails look and what they say about the sender: one Branding row, edited in
the admin, and a message template's wording per language."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour as #rrggbb, e.g. #1f4e79.")


class Branding(models.Model):
    """The sender's identity in every HTML email: one row (pk 1). Without one, `Branding.current()`
    gives the settings-based default (COMPANY_NAME, else the DEFAULT_FROM_EMAIL display name)."""

    company_name = models.CharField(max_length=120)
    logo = models.ImageField(upload_to="branding/", blank=True,
                             help_text="Shown at the top of every email, at most 200 px wide.")
    primary_colour = models.CharField(max_length=7, default="#1f4e79", validators=[COLOUR],
                                      help_text="The header band and the buttons.")
    accent_colour = models.CharField(max_length=7, default="#e8eef5", validators=[COLOUR],
                                     help_text="The invoice table's header row and the footer band.")
    postal_address = models.TextField(blank=True, help_text="One line per address line.")
    legal_footer = models.TextField(blank=True, help_text="Registration number, VAT id, legal notices.")
    reply_to_email = models.EmailField(blank=True, help_text="Where customers' replies go (blank: the sender).")
    support_email = models.EmailField(blank=True, help_text="Printed in the footer for questions.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "email branding"
        verbose_name_plural = "email branding"

    def __str__(self) -> str:
        return self.company_name

    def save(self, *args, **kwargs):
        self.pk = 1  # one row: saving another replaces it
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "Branding":
        return cls.objects.filter(pk=1).first() or cls(company_name=default_company_name())


def default_company_name() -> str:
    name = getattr(settings, "COMPANY_NAME", "")
    if name:
        return name
    sender = settings.DEFAULT_FROM_EMAIL
    return sender.split("<", 1)[0].strip().strip('"') if "<" in sender else "Accounts Receivable"


class MessageTemplateTranslation(models.Model):
    """A message template's subject and body in one more language. The template's own text is the
    one in settings.LANGUAGE_CODE; a language without a translation gets it (reminders.languages)."""

    template = models.ForeignKey("reminders.MessageTemplate", on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=8, help_text="e.g. fr, de, es, nl")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["template", "language"]
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="one_translation_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.language})"
