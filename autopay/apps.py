from django.apps import AppConfig


class AutopayConfig(AppConfig):
    name = "autopay"
    verbose_name = "Autopay"

    def ready(self) -> None:
        from autopay import receivers
        from payments import signals

        signals.method_saved.connect(receivers.on_method_saved, dispatch_uid="autopay.method_saved")
        signals.payment_succeeded.connect(receivers.on_payment_succeeded, dispatch_uid="autopay.payment_succeeded")
        signals.payment_pending.connect(receivers.on_payment_pending, dispatch_uid="autopay.payment_pending")
        signals.payment_failed.connect(receivers.on_payment_failed, dispatch_uid="autopay.payment_failed")
