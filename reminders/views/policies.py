from django.contrib import messages
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ledger.selectors import visible_customers
from portfolios.access import manager_required
from reminders import languages, selectors  # --- html: languages ---
from reminders.forms import PolicyForm, StepForm, TemplateForm
from reminders.models import DunningPolicy, DunningStep, MessageTemplate
from reminders.views import previews  # --- html ---


@require_GET
@manager_required
def policies(request):
    ctx = {"nav": "outbox", "policies": selectors.policies_with_steps(), "templates": MessageTemplate.objects.all(),
           "policy_form": PolicyForm(), "step_form": StepForm()}
    return render(request, "reminders/policies.html", ctx)


@require_http_methods(["GET", "POST"])
@manager_required
def policy_edit(request, pk: int | None = None):
    policy = get_object_or_404(DunningPolicy, pk=pk) if pk else None
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Policy {form.instance.name} saved.")
        return redirect("dunning_policies")
    return render(request, "reminders/policy_form.html", {"nav": "outbox", "form": form, "policy": policy})


@require_http_methods(["GET", "POST"])
@manager_required
def step_edit(request, policy_pk: int, pk: int | None = None):
    policy = get_object_or_404(DunningPolicy, pk=policy_pk)
    step = get_object_or_404(DunningStep, pk=pk, policy=policy) if pk else DunningStep(policy=policy)
    form = StepForm(request.POST or None, instance=step)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Step {form.instance} saved in {policy.name}.")
        return redirect("dunning_policies")
    return render(request, "reminders/policy_form.html", {"nav": "outbox", "form": form, "policy": policy,
                                                          "step": step})


@require_POST
@manager_required
def step_delete(request, pk: int):
    """Removing a step asks first, with what it touches; only a post with confirm=yes removes it."""
    step = get_object_or_404(DunningStep.objects.select_related("policy"), pk=pk)
    if request.POST.get("confirm") != "yes":
        ctx = {"nav": "outbox", "step": step, "impact": selectors.step_removal_impact(step)}
        return render(request, "reminders/step_delete_confirm.html", ctx)
    step.delete()
    messages.success(request, f"Step {step.name} removed from {step.policy.name}.")
    return redirect("dunning_policies")


@require_http_methods(["GET", "POST"])
@manager_required
def template_edit(request, pk: int | None = None):
    template = get_object_or_404(MessageTemplate, pk=pk) if pk else None
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Template {form.instance.name} saved.")
        return redirect("dunning_template", pk=form.instance.pk)
    ctx = {"nav": "outbox", "form": form, "template": template,
           "accounts": visible_customers(request.user).order_by("name")[:200],
           "preview_languages": languages.SHIPPED}  # --- html ---
    return render(request, "reminders/template_form.html", ctx)


@require_POST
@manager_required
def template_delete(request, pk: int):
    template = get_object_or_404(MessageTemplate, pk=pk)
    try:
        template.delete()
    except ProtectedError:
        messages.error(request, f"{template.name} is used by a dunning step; change the step first.")
        return redirect("dunning_template", pk=pk)
    return redirect("dunning_policies")


@require_GET
@manager_required
def template_preview(request, pk: int):
    """The template filled in for a real account (the one picked, else the first with open invoices),
    with the subject and body as typed in the editor when they are sent along (not saved): both
    parts, in the language picked (reminders.views.previews)."""
    return previews.render_preview(request, pk)  # --- html ---
