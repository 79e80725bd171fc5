from django.urls import include, path

from accounts import actions, autopay, holds, inbox_actions, messages, plans, views  # inbox_actions: reply

urlpatterns = [
    path("", views.account_list, name="accounts"),
    path("reassign/", views.accounts_reassign, name="accounts_reassign"),
    # The account workspace: one page, the panels it swaps in place, and the actions of each panel.
    path("<int:pk>/", views.account_detail, name="account"),
    path("<int:pk>/timeline/", views.account_timeline, name="account_timeline"),
    path("<int:pk>/actions/", views.account_actions, name="account_actions"),
    path("<int:pk>/log/", actions.account_log, name="account_log"),
    path("<int:pk>/escalate/", actions.account_escalate, name="account_escalate"),
    path("<int:pk>/follow-up/", actions.account_follow_up, name="account_follow_up"),
    path("<int:pk>/portal/revoke/", actions.account_portal_revoke, name="account_portal_revoke"),
    path("<int:pk>/messages/", views.account_messages, name="account_messages"),
    path("<int:pk>/messages/statement/", messages.account_statement_now, name="account_statement_now"),
    path("<int:pk>/messages/statement.pdf", messages.account_statement_pdf, name="account_statement_pdf"),
    path("<int:pk>/messages/invoice-copy/", messages.account_invoice_copy, name="account_invoice_copy"),
    path("<int:pk>/messages/compose/", messages.account_compose, name="account_compose"),
    path("<int:pk>/messages/dunning-settings/", messages.customer_dunning_settings, name="customer_dunning_settings"),
    path("<int:pk>/plans/new/", plans.plan_new, name="plan_new"),
    path("<int:pk>/plans/preview/", plans.plan_preview, name="plan_preview"),
    path("<int:pk>/plans/<int:plan_id>/renegotiate/", plans.plan_renegotiate, name="plan_renegotiate"),
    path("<int:pk>/plans/<int:plan_id>/cancel/", plans.plan_cancel, name="plan_cancel"),
    path("<int:pk>/credit-hold/", holds.account_credit_hold, name="account_credit_hold"),
    path("<int:pk>/credit-hold/release/", holds.account_credit_release, name="account_credit_release"),
    path("<int:pk>/autopay/", autopay.account_autopay, name="account_autopay"),
    path("<int:pk>/autopay/pause/", autopay.account_autopay_pause, name="account_autopay_pause"),
    path("<int:pk>/autopay/resume/", autopay.account_autopay_resume, name="account_autopay_resume"),
    # --- reply ---
    path("<int:pk>/inbox/", inbox_actions.account_inbox, name="account_inbox"),
    path("<int:pk>/inbox/<int:email_id>/reply/", inbox_actions.account_inbox_reply, name="account_inbox_reply"),
    # --- end reply ---
    path("holds/", include("work.holds.urls")),
    path("<int:pk>/corrections/", include("accounts.corrections_urls")),
    path("corrections/", include("accounts.corrections_pending_urls")),
]
