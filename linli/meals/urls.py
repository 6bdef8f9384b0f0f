from django.urls import URLPattern

app_name = "meals"
urlpatterns: list[URLPattern] = []
