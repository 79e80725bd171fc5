from django.urls import path

from . import views

urlpatterns = [
    path("", views.team, name="team"),
    path("targets/", views.targets, name="team_targets"),
    path("help/", views.help_needed, name="team_help"),
    path("help/<int:pk>/resolve/", views.help_resolve, name="team_help_resolve"),
    path("root-causes/", views.root_causes_page, name="root_causes"),
    path("<str:username>/one-on-one/", views.one_on_one, name="one_on_one"),
]
