from django.urls import path

from work.queue import views

urlpatterns = [
    path("", views.queue, name="queue"),
    path("refresh/", views.queue_refresh, name="queue_refresh"),
    path("item/<int:pk>/", views.queue_item, name="queue_item"),
    path("item/<int:pk>/log/", views.queue_item_log, name="queue_item_log"),
    path("item/<int:pk>/snooze/", views.queue_item_snooze, name="queue_item_snooze"),
    path("item/<int:pk>/escalate/", views.queue_item_escalate, name="queue_item_escalate"),
    path("item/<int:pk>/plan/", views.queue_item_plan, name="queue_item_plan"),
    path("item/<int:pk>/reassign/", views.queue_item_reassign, name="queue_item_reassign"),
    path("disputes/", views.disputes, name="disputes"),
    path("disputes/<int:pk>/update/", views.dispute_update, name="dispute_update"),
    path("disputes/<int:pk>/resolve/", views.dispute_resolve, name="dispute_resolve"),
    path("<str:username>/", views.queue, name="queue_of"),
]
