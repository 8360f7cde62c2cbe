"""Charts drawn on the server as SVG, from the figures alone: no script, no CDN, prints as it shows.

``margin_chart``: the margin of each month as bars (below the axis when a month lost money), and
the devices sold as a line on its own scale.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import to_locale

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 78, 48, 20, 52
BAR = "#1f6feb"
LOSS = "#c62828"
UNITS = "#8a5a00"
GRID = "#dde1e7"
TEXT = "#5f6b7a"


def _nice_step(span: Decimal, ticks: int = 4) -> Decimal:
    """A round step (1, 2, 5 × 10ⁿ) that cuts ``span`` into about ``ticks`` parts."""
    if span <= 0:
        return Decimal(1)
    raw = span / ticks
    exponent = raw.adjusted()
    base = Decimal(10) ** exponent
    for factor in (1, 2, 5, 10):
        if raw <= base * factor:
            return base * factor
    return base * 10  # pragma: no cover


def _short_money(amount: Decimal, currency: str) -> str:
    return format_currency(
        amount, currency, format="¤#,##0", locale=to_locale(settings.LANGUAGE_CODE),
        currency_digits=False,
    )  # fmt: skip


def margin_chart(points: list[tuple[str, Decimal, int]], *, currency: str) -> SafeString:
    """``points``: (label, margin, units) per period, in order."""
    if not points:
        return mark_safe("")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    margins = [margin for _, margin, _ in points]
    high = max(max(margins), Decimal(0))
    low = min(min(margins), Decimal(0))
    step = _nice_step(high - low)
    top = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
    bottom = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    if top == bottom:
        top = bottom + step
    span = top - bottom

    def y(value: Decimal) -> float:
        return TOP + float((top - value) / span) * plot_h

    max_units = max(max(units for _, _, units in points), 1)

    def y_units(units: int) -> float:
        return TOP + (1 - units / max_units) * plot_h

    slot = plot_w / len(points)
    bar_w = max(min(slot * 0.6, 48), 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" aria-labelledby="margin-chart-title">',
        '<title id="margin-chart-title">Margin and devices sold per period</title>',
    ]
    tick = bottom
    while tick <= top:
        ty = y(tick)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'stroke="{GRID}" stroke-width="{1.5 if tick == 0 else 1}"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TEXT}">{escape(_short_money(tick, currency))}</text>'
        )
        tick += step
    zero = y(Decimal(0))
    every = max(1, round(len(points) / 12))
    line = []
    last_year = None
    for index, (label, margin, units) in enumerate(points):
        cx = LEFT + slot * index + slot / 2
        top_y, bottom_y = sorted((y(margin), zero))
        colour = LOSS if margin < 0 else BAR
        tip = f"{label}: margin {_short_money(margin, currency)}, {units} sold"
        parts.append(
            f'<rect x="{cx - bar_w / 2:.1f}" y="{top_y:.1f}" width="{bar_w:.1f}" '
            f'height="{max(bottom_y - top_y, 0.5):.1f}" fill="{colour}" rx="2">'
            f"<title>{escape(tip)}</title></rect>"
        )
        if index % every == 0:
            # "Mar 2025" → "Mar", with the year under it where it changes.
            first, _, second = label.partition(" ")
            parts.append(
                f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 15}" text-anchor="middle" '
                f'font-size="11" fill="{TEXT}">{escape(first)}</text>'
            )
            if second and second != last_year:
                parts.append(
                    f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 28}" text-anchor="middle" '
                    f'font-size="10" fill="{TEXT}">{escape(second)}</text>'
                )
                last_year = second
        line.append(f"{cx:.1f},{y_units(units):.1f}")
    parts.append(
        f'<polyline points="{" ".join(line)}" fill="none" stroke="{UNITS}" stroke-width="2"/>'
    )
    for point in line:
        px, py = point.split(",")
        parts.append(f'<circle cx="{px}" cy="{py}" r="3" fill="{UNITS}"/>')
    parts.append(
        f'<text x="{WIDTH - RIGHT + 6}" y="{TOP + 4}" font-size="11" fill="{UNITS}">'
        f"{max_units}</text>"
        f'<text x="{WIDTH - RIGHT + 6}" y="{TOP + plot_h + 4}" font-size="11" fill="{UNITS}">0</text>'
    )
    legend_y = HEIGHT - 4
    parts.append(
        f'<rect x="{LEFT}" y="{legend_y - 9}" width="10" height="10" fill="{BAR}"/>'
        f'<text x="{LEFT + 14}" y="{legend_y}" font-size="11" fill="{TEXT}">Margin</text>'
        f'<line x1="{LEFT + 80}" x2="{LEFT + 96}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
        f'stroke="{UNITS}" stroke-width="2"/>'
        f'<text x="{LEFT + 100}" y="{legend_y}" font-size="11" fill="{TEXT}">'
        f"Devices sold (right scale)</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))
