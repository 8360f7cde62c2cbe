"""The inventory side: catalogue, devices, trading partners, purchase orders, invoices, payments.

State changes go through ``services.py``; these models hold data and derived read-only facts.
Money fields are ``DecimalField(max_digits=14, decimal_places=2)``.
"""

from decimal import Decimal

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from cellbooks.core.models import CompanyOwned

from .grouping import product_display_name

MONEY = {"max_digits": 14, "decimal_places": 2}
DOC_NUMBER_MAX = 21  # the longest document number accounting systems take (e.g. a DocNumber)


class Condition(CompanyOwned):
    """A grade in the company's own scale (seeded A, B, C, D)."""

    code = models.CharField(max_length=20)
    description = models.CharField(max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                "company", Lower("code"), name="condition_code_unique_per_company"
            )
        ]

    def __str__(self):
        return self.code


class Product(CompanyOwned):
    class Kind(models.TextChoices):
        PHONE = "phone", "Phone"
        TABLET = "tablet", "Tablet"
        OTHER = "other", "Other"

    manufacturer = models.CharField(max_length=100)
    model = models.CharField(max_length=100)
    capacity = models.CharField(max_length=30, blank=True, help_text='e.g. "128GB"')
    colour = models.CharField(max_length=50, blank=True)
    network = models.CharField(max_length=50, blank=True, help_text='Carrier or "Unlocked"')
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PHONE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["manufacturer", "model", "capacity", "colour", "network"]
        constraints = [
            models.UniqueConstraint(
                "company",
                Lower("manufacturer"),
                Lower("model"),
                Lower("capacity"),
                Lower("colour"),
                Lower("network"),
                name="product_attributes_unique_per_company",
            )
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """ "Apple iPhone 13 128GB Blue Unlocked" — the attributes that are set, in order."""
        return product_display_name(
            self.manufacturer, self.model, self.capacity, self.colour, self.network
        )


class Partner(CompanyOwned):
    """A trading partner. One partner can be a vendor, a customer, or both (an accounting
    integration may keep each role as its own record)."""

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    payment_terms_days = models.PositiveIntegerField(
        default=30, help_text="Net days (0 = due on receipt)"
    )
    is_vendor = models.BooleanField(default=False)
    is_customer = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "company", Lower("name"), name="partner_name_unique_per_company"
            ),
            models.CheckConstraint(
                condition=models.Q(is_vendor=True) | models.Q(is_customer=True),
                name="partner_is_vendor_or_customer",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def roles_display(self) -> str:
        return " & ".join(
            r for r, on in (("Vendor", self.is_vendor), ("Customer", self.is_customer)) if on
        )

    @property
    def terms_display(self) -> str:
        return (
            "Due on receipt" if self.payment_terms_days == 0 else f"Net {self.payment_terms_days}"
        )


class Device(CompanyOwned):
    class IdentifierKind(models.TextChoices):
        IMEI = "imei", "IMEI"
        SERIAL = "serial", "Serial"

    class Status(models.TextChoices):
        INCOMING = "incoming", "Incoming"  # on a draft purchase order: not arrived, not sellable
        IN_STOCK = "in_stock", "In stock"
        COMMITTED = "committed", "Reserved"  # on a draft invoice, not sold yet
        SOLD = "sold", "Sold"
        RETURNED = "returned", "Returned to vendor"  # a vendor return, or its PO voided
        WRITTEN_OFF = "written_off", "Written off"  # came back from a customer beyond use

    # A device is "current" while the company holds or is about to hold it; an identifier is unique
    # among current devices only, so a unit sold (or returned to its vendor) can be bought again.
    CURRENT_STATUSES = (Status.INCOMING, Status.IN_STOCK, Status.COMMITTED)

    class LockStatus(models.TextChoices):
        """iCloud / Find My (activation lock): buyers refuse a device that is still locked."""

        UNKNOWN = "", "Not checked"
        OFF = "off", "Off"
        ON = "on", "On (locked)"

    class CarrierLock(models.TextChoices):
        UNKNOWN = "", "Not checked"
        UNLOCKED = "unlocked", "Unlocked"
        LOCKED = "locked", "Locked"

    identifier = models.CharField(max_length=64, help_text="IMEI (15 digits) or serial number")
    identifier_kind = models.CharField(max_length=10, choices=IdentifierKind.choices)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="devices")
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT, related_name="devices")
    cost = models.DecimalField(**MONEY, default=Decimal("0.00"))
    price = models.DecimalField(**MONEY, null=True, blank=True, help_text="Asking sale price")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_STOCK)
    location = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    # What buyers dispute a sale on: checked when the device is tested, printed on packing lists.
    battery_health = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Battery health in % (0–100)"
    )
    fmi_lock = models.CharField(
        "iCloud / Find My lock", max_length=3, choices=LockStatus.choices, blank=True, default=""
    )
    carrier_lock = models.CharField(
        max_length=10, choices=CarrierLock.choices, blank=True, default=""
    )
    cosmetic_notes = models.CharField(max_length=500, blank=True)
    tested_by = models.CharField(max_length=100, blank=True)
    tested_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "identifier"],
                condition=models.Q(status__in=["incoming", "in_stock", "committed"]),
                name="current_device_identifier_unique_per_company",
            ),
            models.CheckConstraint(
                condition=models.Q(battery_health__isnull=True) | models.Q(battery_health__lte=100),
                name="device_battery_health_is_a_percentage",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status"]),
            models.Index(fields=["company", "product", "condition"]),
            models.Index(fields=["company", "identifier"]),
        ]

    def __str__(self):
        return self.identifier


class AskingPrice(CompanyOwned):
    """What the company asks for one product in one grade (the price sheet's asking price)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="asking_prices")
    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="+")
    price = models.DecimalField(**MONEY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "product", "condition"], name="one_asking_price_per_cell"
            )
        ]

    def __str__(self):
        return f"{self.product} {self.condition}: {self.price}"


class NumberSequence(CompanyOwned):
    """Per-company document numbering: next number for purchase orders and invoices."""

    class Kind(models.TextChoices):
        PURCHASE_ORDER = "po", "Purchase order"
        INVOICE = "invoice", "Invoice"
        CUSTOMER_RETURN = "return", "Customer return"
        VENDOR_RETURN = "vendor_return", "Vendor return"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    prefix = models.CharField(max_length=10)
    next_value = models.PositiveIntegerField(default=1001)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "kind"], name="one_sequence_per_kind")
        ]


class PurchaseOrder(CompanyOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RECEIVED = "received", "Received"
        CLOSED = "closed", "Closed"
        VOID = "void", "Void"

    vendor = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="purchase_orders")
    number = models.CharField(max_length=DOC_NUMBER_MAX)
    date = models.DateField(default=timezone.localdate)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], name="po_number_unique_per_company"
            )
        ]
        # The list page walks a company's POs newest first and stops at a page.
        indexes = [models.Index(fields=["company", "-date", "-id"], name="po_company_newest")]

    def __str__(self):
        return f"PO {self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines"
    )
    device = models.OneToOneField(Device, on_delete=models.PROTECT, related_name="purchase_line")
    unit_cost = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.device} @ {self.unit_cost}"


class Invoice(CompanyOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    customer = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=DOC_NUMBER_MAX)
    date = models.DateField(default=timezone.localdate)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(blank=True)
    # Denormalised for lists and the dashboard; services keep them equal to the lines and payments.
    total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    amount_paid = models.DecimalField(**MONEY, default=Decimal("0.00"))
    # Credit from customer returns applied to this invoice (its total is never rewritten).
    amount_credited = models.DecimalField(**MONEY, default=Decimal("0.00"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], name="invoice_number_unique_per_company"
            )
        ]
        indexes = [
            models.Index(fields=["company", "status"]),
            # The list page walks a company's invoices newest first and stops at a page; the
            # dashboard does the same for the latest created.
            models.Index(fields=["company", "-date", "-id"], name="invoice_company_newest"),
            models.Index(fields=["company", "-created_at", "-id"], name="invoice_company_latest"),
        ]

    def __str__(self):
        return f"Invoice {self.number}"

    @property
    def balance_due(self) -> Decimal:
        if self.status in (self.Status.DRAFT, self.Status.VOID):
            return Decimal("0.00")
        return self.total - self.amount_paid - self.amount_credited

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def lines_editable(self) -> bool:
        """Devices and prices can change until the invoice is paid in full."""
        return self.status in (self.Status.DRAFT, self.Status.OPEN, self.Status.PARTIALLY_PAID)


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="invoice_lines")
    unit_price = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "device"], name="device_once_per_invoice")
        ]

    def __str__(self):
        return f"{self.device} @ {self.unit_price}"


class Payment(CompanyOwned):
    class Method(models.TextChoices):
        CASH = "cash", "Cash"
        CHECK = "check", "Check"
        WIRE = "wire", "Wire / bank transfer"
        CARD = "card", "Card"
        OTHER = "other", "Other"

    MANUAL = "manual"  # typed in Cellbooks; otherwise ``source`` names the integration it came from

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(**MONEY)
    date = models.DateField(default=timezone.localdate)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.WIRE)
    reference = models.CharField(max_length=100, blank=True)
    source = models.CharField(
        max_length=30,
        default=MANUAL,
        help_text='"manual", or the key of the integration that brought it in',
    )
    # For a payment an integration brought in: its id there. One payment there may cover several
    # invoices, so the id is unique per invoice and source, not globally.
    external_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "source", "external_id"],
                condition=~models.Q(external_id=""),
                name="one_row_per_external_payment_and_invoice",
            )
        ]

    def __str__(self):
        return f"{self.amount} on {self.invoice}"

    @property
    def is_external(self) -> bool:
        """Brought in by an integration, which owns it: it changes there, not here."""
        return self.source != self.MANUAL


class CustomerReturn(CompanyOwned):
    """Devices a customer sends back from one invoice (an RMA). The invoice is never rewritten:
    the return carries the credit — applied to the invoice's balance, kept as the customer's
    credit, or refunded."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPLETED = "completed", "Completed"
        VOID = "void", "Void"

    class Credit(models.TextChoices):
        APPLY = "apply", "Applied to the invoice"
        KEEP = "keep", "Kept as the customer's credit"
        REFUND = "refund", "Refunded"

    number = models.CharField(max_length=DOC_NUMBER_MAX)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="returns")
    customer = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="returns")
    date = models.DateField(default=timezone.localdate)
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    credit = models.CharField(max_length=10, choices=Credit.choices, default=Credit.APPLY)
    refund_method = models.CharField(max_length=10, choices=Payment.Method.choices, blank=True)
    refund_reference = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], name="return_number_unique_per_company"
            )
        ]

    def __str__(self):
        return f"Return {self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class ReturnLine(models.Model):
    class Disposition(models.TextChoices):
        RESTOCK = "restock", "Back to stock"
        WRITE_OFF = "write_off", "Written off"

    customer_return = models.ForeignKey(
        CustomerReturn, on_delete=models.CASCADE, related_name="lines"
    )
    invoice_line = models.ForeignKey(
        InvoiceLine, on_delete=models.PROTECT, related_name="return_lines"
    )
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="return_lines")
    unit_price = models.DecimalField(**MONEY, help_text="What it sold for on the invoice")
    disposition = models.CharField(
        max_length=10, choices=Disposition.choices, default=Disposition.RESTOCK
    )
    new_condition = models.ForeignKey(
        Condition,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Restocked under another grade",
    )
    new_location = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_return", "device"], name="device_once_per_return"
            )
        ]

    def __str__(self):
        return f"{self.device} @ {self.unit_price}"


class VendorReturn(CompanyOwned):
    """Devices in stock sent back to the vendor they were bought from (an RTV), for a credit."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPLETED = "completed", "Completed"
        VOID = "void", "Void"

    number = models.CharField(max_length=DOC_NUMBER_MAX)
    vendor = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="vendor_returns")
    date = models.DateField(default=timezone.localdate)
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The purchase order whose bill the credit is applied to, if any.
    purchase_order = models.ForeignKey(
        PurchaseOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vendor_returns",
    )
    notes = models.TextField(blank=True)
    total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], name="vendor_return_number_unique_per_company"
            )
        ]

    def __str__(self):
        return f"Vendor return {self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class VendorReturnLine(models.Model):
    vendor_return = models.ForeignKey(VendorReturn, on_delete=models.CASCADE, related_name="lines")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="vendor_return_lines")
    credit_amount = models.DecimalField(
        **MONEY, help_text="What the vendor credits for it (its cost by default)"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor_return", "device"], name="device_once_per_vendor_return"
            )
        ]

    def __str__(self):
        return f"{self.device} @ {self.credit_amount}"
