from django import template

from linli.meals.pricing import yuan as format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Fen shown as yuan: 1250 → 12.50."""
    return format_yuan(int(fen or 0))


@register.filter
def get_price(prices: dict[int, object], key: int) -> object:
    """A dish's price from the page's price table."""
    return prices.get(key)
