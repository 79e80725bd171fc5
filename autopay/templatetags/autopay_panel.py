"""`{% autopay_panel customer %}`: the workspace's autopay panel, rendered in the page's own request
(three queries), so the workspace needs no second round trip for it."""

from django import template

from autopay.panel import TEMPLATE, panel_context

register = template.Library()


@register.inclusion_tag(TEMPLATE, takes_context=True)
def autopay_panel(context, customer) -> dict:
    """A refused pause posted without JavaScript renders the whole page: its flash and the reason
    typed come back through the page's context (`autopay_flash`, `pause_reason`, `pause_reason_error`)."""
    ctx = panel_context(context["request"].user, customer, flash=context.get("autopay_flash"),
                        reason=context.get("pause_reason", ""), reason_error=context.get("pause_reason_error", ""))
    return {**ctx, "csrf_token": context.get("csrf_token"), "request": context.get("request")}
