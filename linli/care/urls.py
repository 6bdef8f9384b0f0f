from django.urls import URLPattern, path

from linli.care import views

app_name = "care"
urlpatterns: list[URLPattern] = [
    path("", views.my_visits, name="my_visits"),
    path("plans/<int:plan_id>/", views.plan_page, name="plan"),
    path("plans/<int:plan_id>/visit/", views.visit_new, name="visit"),
    path("plans/<int:plan_id>/assign/", views.plan_assign, name="plan_assign"),
    path("visits/<int:visit_id>/photo/", views.visit_photo, name="visit_photo"),
    path("overdue/", views.overdue, name="overdue"),
    path("coverage/", views.coverage, name="coverage"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:rule_id>/remove/", views.rule_remove, name="rule_remove"),
    path("volunteers/", views.volunteers, name="volunteers"),
]
