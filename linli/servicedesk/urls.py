from django.urls import URLPattern, path

from linli.servicedesk import desk_views, views

app_name = "servicedesk"
urlpatterns: list[URLPattern] = [
    # Residents (the catalogue is public).
    path("", views.catalogue, name="catalogue"),
    path("items/<slug:code>/", views.item_page, name="item"),
    path("items/<slug:code>/apply/", views.apply, name="apply"),
    path("mine/", views.my_cases, name="my_cases"),
    path("mine/<str:number>/", views.my_case, name="my_case"),
    path("mine/<str:number>/rate/", views.rate, name="rate"),
    path("mine/<str:number>/resubmit/", views.resubmit, name="resubmit"),
    path("files/<int:file_id>/", views.file_download, name="file"),
    # Workers.
    path("desk/", desk_views.queue, name="desk"),
    path("desk/cases/<int:case_id>/", desk_views.case_page, name="desk_case"),
    path("desk/cases/<int:case_id>/act/", desk_views.case_act, name="desk_act"),
    path("desk/cases/<int:case_id>/assign/", desk_views.case_assign, name="desk_assign"),
    path("desk/cases/<int:case_id>/note/", desk_views.case_note, name="desk_note"),
    path("desk/on-behalf/", desk_views.on_behalf_start, name="on_behalf"),
    path("desk/on-behalf/<int:resident_id>/<slug:code>/", desk_views.on_behalf_apply, name="on_behalf_apply"),
    path("desk/satisfaction/", desk_views.satisfaction, name="satisfaction"),
    path("desk/rectifications/", desk_views.rectification_list, name="rectifications"),
    path("desk/rectifications/<int:rectification_id>/", desk_views.rectification_page, name="rectification"),
    path("desk/proactive/", desk_views.proactive_list, name="proactive"),
]
