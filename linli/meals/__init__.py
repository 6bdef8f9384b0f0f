"""Meal assistance (助餐): canteens, menus, orders, subsidies, deliveries, kitchen lists and statements."""
