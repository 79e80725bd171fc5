"""python manage.py ar_report {aging,dso,cei,forecast,forecast_backtest} [--as-of YYYY-MM-DD] [--month YYYY-MM]
[--collector USER] [--months N] [--method rule|model] [--json]: the report figures for scripts (the same
as /api/reports/)."""

import json
from datetime import date

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting import payloads
from reporting.backtest import METHODS


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _month(text: str) -> tuple[date, date]:
    start = _date(f"{text}-01") if len(text) == 7 else None
    if start is None:
        raise CommandError(f"{text!r} is not a month (YYYY-MM)")
    return start, start + relativedelta(day=31)


class Command(BaseCommand):
    help = "Print aging, DSO, CEI or the month-end forecast, as METRICS.md defines them."

    def add_arguments(self, parser):
        parser.add_argument("report", choices=["aging", "dso", "cei", "forecast", "forecast_backtest"])
        parser.add_argument("--as-of", help="YYYY-MM-DD (default today)")
        parser.add_argument("--month", help="YYYY-MM: CEI of that month; aging/DSO at its end; forecast to its end")
        parser.add_argument("--collector", help="username: that collector's portfolio only")
        parser.add_argument("--group-by", choices=["collector", "customer", "family", "segment"], help="aging rows")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON instead of text")
        parser.add_argument("--months", type=int, default=12, help="forecast_backtest: complete months (1-36)")
        parser.add_argument("--method", choices=list(METHODS), help="forecast_backtest: one method (default all)")

    def handle(self, *args, report, as_of=None, month=None, collector=None, group_by=None, as_json=False,
               months=12, method=None, **options):
        if collector and not get_user_model().objects.filter(username=collector).exists():
            raise CommandError(f"No user {collector!r}")
        scope = {"collector": collector}
        today = timezone.localdate()
        as_of_date = _date(as_of) if as_of else None
        bounds = _month(month) if month else None
        if report == "aging":
            day = as_of_date or (min(bounds[1], today) if bounds else today)
            payload = payloads.aging_payload(as_of=day, group_by=group_by, **scope)
        elif report == "dso":
            day = as_of_date or (min(bounds[1], today) if bounds else today)
            payload = payloads.dso_payload(as_of=day, **scope)
        elif report == "cei":
            if bounds:
                start, end = bounds
            else:
                end = as_of_date or today
                start = end.replace(day=1)
            payload = payloads.cei_payload(start=start, end=end, **scope)
        elif report == "forecast_backtest":
            if not 1 <= months <= 36:
                raise CommandError("--months must be between 1 and 36")
            payload = payloads.backtest_payload(as_of=as_of_date or today, months=months, method=method, **scope)
            self.stdout.write(self._json(payload) if as_json else self._backtest_text(payload))
            return
        else:
            day = as_of_date or today
            horizon = bounds[1] if bounds else None
            if horizon and horizon < day:
                raise CommandError("--month ends before --as-of")
            payload = payloads.forecast_payload(as_of=day, horizon_end=horizon, **scope)
        self.stdout.write(self._json(payload) if as_json else self._text(report, payload))

    def _backtest_text(self, payload: dict) -> str:
        lines = [f"forecast_backtest as_of={payload['as_of']} best={payload['best']}"]
        for name, method in payload["methods"].items():
            lines.append(f"  {name}: mape {method['mape']} % bias {method['bias']} % (total cash: mape "
                         f"{method['mape_total']} % bias {method['bias_total']} %)")
            lines += [f"    {r['month']} forecast {r['forecast']:>16} actual {r['actual']:>16} error {r['error']:>16}"
                      for r in method["rows"]]
        return "\n".join(lines)

    def _json(self, payload: dict) -> str:
        return json.dumps(payload, indent=2)

    def _text(self, report: str, payload: dict) -> str:
        lines = [f"{report} {' '.join(f'{k}={v}' for k, v in payload.items() if k in ('as_of', 'start', 'end'))}"]
        for key, value in payload.items():
            if key in ("as_of", "start", "end", "rows", "at_risk_invoices"):
                continue
            if isinstance(value, dict):
                lines.append(f"  {key}:")
                lines += [f"    {k:<10} {v if v is not None else '—':>16}" for k, v in value.items()]
            elif isinstance(value, list):
                lines.append(f"  {key}:")
                lines += [f"    {' · '.join(f'{k} {v}' for k, v in item.items())}" for item in value]
            else:
                lines.append(f"  {key:<28} {value if value is not None else '—':>16}")
        return "\n".join(lines)
