from django.urls import URLPattern

app_name = "homecare"
urlpatterns: list[URLPattern] = []
