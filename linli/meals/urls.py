from django.urls import URLPattern, path

from linli.meals import manage_views, views

app_name = "meals"
urlpatterns: list[URLPattern] = [
    # Residents.
    path("", views.home, name="home"),
    path("dishes/<int:dish_id>/order/", views.order, name="order"),
    path("mine/", views.my_orders, name="my_orders"),
    path("mine/<str:number>/cancel/", views.cancel_own, name="cancel_own"),
    # Canteen managers.
    path("manage/", manage_views.manage, name="manage"),
    path("manage/canteens/new/", manage_views.canteen_new, name="canteen_new"),
    path("manage/canteens/<int:canteen_id>/", manage_views.canteen_page, name="canteen"),
    path("manage/canteens/<int:canteen_id>/edit/", manage_views.canteen_edit, name="canteen_edit"),
    path("manage/canteens/<int:canteen_id>/meals/", manage_views.canteen_meal, name="canteen_meal"),
    path("manage/canteens/<int:canteen_id>/dishes/", manage_views.dish_add, name="dish_add"),
    path("manage/canteens/<int:canteen_id>/copy/", manage_views.menu_copy, name="menu_copy"),
    path("manage/canteens/<int:canteen_id>/kitchen/", manage_views.kitchen, name="kitchen"),
    path("manage/canteens/<int:canteen_id>/statement/", manage_views.statement, name="statement"),
    path(
        "manage/canteens/<int:canteen_id>/statement.xlsx", manage_views.statement_xlsx, name="statement_xlsx"
    ),
    path("manage/dishes/<int:dish_id>/withdraw/", manage_views.dish_withdraw, name="dish_withdraw"),
    path("manage/rules/", manage_views.rules, name="rules"),
    path("manage/rules/<int:rule_id>/end/", manage_views.rule_end, name="rule_end"),
    # Workers ordering on a resident's behalf.
    path("orders/", manage_views.orders, name="orders"),
    path("orders/for/<int:resident_id>/", manage_views.order_for, name="order_for"),
    path("orders/<int:order_id>/cancel/", manage_views.order_cancel, name="order_cancel"),
]
