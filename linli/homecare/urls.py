from django.urls import URLPattern, path

from linli.homecare import desk_views, views

app_name = "homecare"
urlpatterns: list[URLPattern] = [
    # Residents.
    path("", views.my_orders, name="mine"),
    path("order/", views.order_start, name="order_start"),
    path("order/<slug:code>/", views.order_new, name="order_new"),
    path("mine/<str:number>/", views.my_order, name="my_order"),
    path("mine/<str:number>/act/", views.my_order_act, name="my_order_act"),
    path("mine/<str:number>/rate/", views.my_order_rate, name="my_order_rate"),
    # Providers, through the signed link of one order.
    path("p/<str:number>/<str:token>/", views.provider_link, name="provider_link"),
    path("p/<str:number>/<str:token>/act/", views.provider_act, name="provider_act"),
    # Workers.
    path("desk/", desk_views.orders, name="orders"),
    path("desk/orders/<int:order_id>/", desk_views.order_page, name="order"),
    path("desk/orders/<int:order_id>/act/", desk_views.order_act, name="order_act"),
    path("desk/orders/<int:order_id>/rate/", desk_views.order_rate, name="order_rate"),
    path("desk/for/", desk_views.order_for, name="order_for"),
    path("desk/for/<int:resident_id>/", desk_views.order_for_resident, name="order_for_resident"),
    path("desk/providers/", desk_views.providers, name="providers"),
    path("desk/providers/new/", desk_views.provider_new, name="provider_new"),
    path("desk/providers/<int:provider_id>/", desk_views.provider_page, name="provider"),
    path("desk/providers/<int:provider_id>/edit/", desk_views.provider_edit, name="provider_edit"),
]
