from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"

    def ready(self) -> None:
        # Receipts and failure notices of online payments (payments tells us through its signals).
        from payments import signals
        from reminders import payment_notices

        signals.payment_succeeded.connect(payment_notices.on_payment_succeeded, dispatch_uid="reminders.receipt")
        signals.payment_failed.connect(payment_notices.on_payment_failed, dispatch_uid="reminders.payment_failed")
        # --- html ---
        # --- end html ---
        # --- windows ---
        # --- end windows ---
        # --- ingest ---
        # --- end ingest ---
        # --- reply ---
        # --- end reply ---
        # --- mapping ---
        # --- end mapping ---
        # --- family ---
        # --- end family ---
        # --- dupes ---
        # --- end dupes ---
        # --- forecast ---
        # --- end forecast ---
