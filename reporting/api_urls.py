from django.urls import path

from reporting import api

urlpatterns = [
    path("aging/", api.AgingApi.as_view(), name="api_reports_aging"),
    path("dso/", api.DsoApi.as_view(), name="api_reports_dso"),
    path("cei/", api.CeiApi.as_view(), name="api_reports_cei"),
    path("forecast/", api.ForecastApi.as_view(), name="api_reports_forecast"),
    path("forecast-backtest/", api.ForecastBacktestApi.as_view(), name="api_reports_forecast_backtest"),
]
