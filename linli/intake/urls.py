from django.urls import path

from linli.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.imports, name="imports"),
    path("<int:batch_id>/", views.batch_page, name="batch"),
    path("<int:batch_id>/layout/", views.batch_layout, name="batch_layout"),
    path("<int:batch_id>/start/", views.batch_start, name="batch_start"),
    path("<int:batch_id>/progress/", views.batch_progress, name="batch_progress"),
    path("<int:batch_id>/report.xlsx", views.batch_report, name="batch_report"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:item_id>/", views.review_page, name="review"),
    path("reviews/<int:item_id>/decide/", views.review_decide, name="review_decide"),
]
