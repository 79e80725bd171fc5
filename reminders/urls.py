from django.urls import path

from reminders.views import charges, outbox, policies, statements, tracking

urlpatterns = [
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/<int:pk>/", outbox.outbox_message, name="outbox_message"),
    path("outbox/<int:pk>/attachment/", outbox.outbox_attachment, name="outbox_attachment"),
    path("dunning/", outbox.dunning, name="dunning"),
    path("dunning/run/", outbox.dunning_run_now, name="dunning_run_now"),
    path("policies/", policies.policies, name="dunning_policies"),
    path("policies/new/", policies.policy_edit, name="dunning_policy_new"),
    path("policies/<int:pk>/", policies.policy_edit, name="dunning_policy"),
    path("policies/<int:policy_pk>/steps/new/", policies.step_edit, name="dunning_step_new"),
    path("policies/<int:policy_pk>/steps/<int:pk>/", policies.step_edit, name="dunning_step"),
    path("steps/<int:pk>/delete/", policies.step_delete, name="dunning_step_delete"),
    path("templates/new/", policies.template_edit, name="dunning_template_new"),
    path("templates/<int:pk>/", policies.template_edit, name="dunning_template"),
    path("templates/<int:pk>/delete/", policies.template_delete, name="dunning_template_delete"),
    path("templates/<int:pk>/preview/", policies.template_preview, name="dunning_template_preview"),
    path("charges/", charges.charges, name="charges"),
    path("charges/approve/", charges.charges_approve_selected, name="charges_approve_selected"),
    path("charges/propose/", charges.charges_propose_now, name="charges_propose_now"),
    path("charges/waivers/", charges.charge_waivers, name="charge_waivers"),
    path("charges/<int:pk>/approve/", charges.charge_approve_one, name="charge_approve"),
    path("charges/<int:pk>/waive/", charges.charge_waive_one, name="charge_waive"),
    path("statements/", statements.statements, name="statements"),
    path("statements/run/", statements.statement_run_start, name="statement_run_start"),
    path("statements/runs/<int:pk>/", statements.statement_run_status, name="statement_run_status"),
    path("statements/<int:pk>/pdf/", statements.statement_download, name="statement_download"),
    path("o/<str:token>.gif", tracking.message_open, name="message_open"),
    path("c/<str:token>/", tracking.message_click, name="message_click"),
    path("bounces/webhook/", tracking.bounce_webhook, name="bounce_webhook"),
]
