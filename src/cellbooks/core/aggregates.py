"""Money summed by the database, exact on every database Cellbooks runs on.

PostgreSQL sums ``numeric`` exactly. SQLite keeps a decimal column as a REAL and ``SUM`` adds
floats, so there the sum is taken over whole cents as integers — ``ROUND(amount * 100)`` of a float
that holds a two-place amount is exactly its cents — and turned back into a two-place Decimal.
"""

from decimal import Decimal

from django.db.models import DecimalField, Sum

CENT = Decimal("0.01")


def _cents_to_money(value, expression, connection):
    return None if value is None else (Decimal(value) / 100).quantize(CENT)


class MoneySum(Sum):
    """``Sum`` of a money column (or an expression of money columns) as a two-place Decimal,
    exact on PostgreSQL and SQLite alike. ``None`` when there is nothing to sum, like ``Sum``."""

    def __init__(self, expression, **extra):
        if extra.get("distinct"):
            raise ValueError("MoneySum does not sum distinct amounts")
        extra.setdefault("output_field", DecimalField(max_digits=14, decimal_places=2))
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="%(function)s(CAST(ROUND((%(expressions)s) * 100) AS INTEGER))%(filter)s",
            **extra_context,
        )

    def get_db_converters(self, connection):
        converters = super().get_db_converters(connection)
        if connection.vendor == "sqlite":
            # SQLite's own decimal converter has made Decimal(cents) of the integer by now.
            converters = [*converters, _cents_to_money]
        return converters
