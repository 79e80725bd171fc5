from django.urls import path

from team import e_delivery_views, views

urlpatterns = [
    path("", views.team, name="team"),
    path("targets/", views.targets, name="team_targets"),
    path("help/", views.help_needed, name="team_help"),
    path("help/<int:pk>/resolve/", views.help_resolve, name="team_help_resolve"),
    path("root-causes/", views.root_causes_page, name="root_causes"),
    path("e-delivery/", e_delivery_views.e_delivery_page, name="e_delivery"),
    path("e-delivery/goal/", e_delivery_views.e_delivery_goal, name="e_delivery_goal"),
    path("e-delivery/<int:pk>/", e_delivery_views.e_delivery_fix, name="e_delivery_fix"),
    path("<str:username>/one-on-one/", views.one_on_one, name="one_on_one"),
]
