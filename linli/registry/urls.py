from django.urls import path

from linli.registry import views

app_name = "registry"
urlpatterns = [
    path("me/", views.my_record, name="me"),
    path("residents/", views.resident_search, name="search"),
    path("residents/export.csv", views.resident_export, name="export"),
    path("residents/<int:resident_id>/", views.resident_page, name="resident"),
    path("residents/<int:resident_id>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:resident_id>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("residents/<int:resident_id>/tags/", views.tag_add, name="tag_add"),
    path("tags/<int:tag_id>/end/", views.tag_end, name="tag_end"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/<int:household_id>/", views.household_page, name="household"),
    path("households/<int:household_id>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:household_id>/members/new/", views.member_new, name="member_new"),
]
