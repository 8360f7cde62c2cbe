"""``manage.py load_demo [--if-empty | --replace]``: a realistic company to try Cellbooks with.

Everything is built through the services (purchase orders are imported as CSV, as a user
would), so the demo data obeys the same rules as real data. A fixed random seed makes every
run produce the same IMEIs, prices and documents.
"""

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cellbooks.accounts.models import Company, Membership
from cellbooks.accounts.services import add_member, create_company
from cellbooks.core.identifiers import luhn_check_digit
from cellbooks.inventory import csv_import, selectors, services
from cellbooks.inventory.models import (
    Condition,
    Device,
    Invoice,
    InvoiceLine,
    Partner,
    Payment,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
)

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Phones Wholesale"
DEMO_EMAIL = "demo@cellbooks.test"
DEMO_PASSWORD = "demo"
# The team, all with the owner's password: a bookkeeper, a warehouse worker and a viewer.
BOOKKEEPER_EMAIL = "bookkeeper@cellbooks.test"
WAREHOUSE_EMAIL = "warehouse@cellbooks.test"
VIEWER_EMAIL = "viewer@cellbooks.test"
SEED = 20240611

VENDORS = [
    ("Acme Wireless", {"is_customer": True, "payment_terms_days": 30, "phone": "+1 305 555 0142"}),
    ("Global Phone Supply", {"payment_terms_days": 15, "email": "sales@globalphonesupply.test"}),
    (
        "Pacific Device Traders",
        {"payment_terms_days": 30, "address": "88 Harbor Way\nOakland, CA 94607"},
    ),
    ("ReCell Logistics", {"payment_terms_days": 0, "notes": "Trade-in lots from carrier stores."}),
]
CUSTOMERS = [
    ("Metro Mobile Repair", {"payment_terms_days": 15, "email": "ap@metromobile.test"}),
    ("Cell City Retail", {"payment_terms_days": 30, "phone": "+1 212 555 0199"}),
    ("GadgetFlip Online", {"payment_terms_days": 0}),
    (
        "Northside Phone Exchange",
        {"payment_terms_days": 45, "address": "1200 N Halsted St\nChicago, IL 60642"},
    ),
]

# (manufacturer, model, capacity, colours, networks, TAC prefix, grade-A cost)
CATALOGUE = [
    (
        "Apple",
        "iPhone 15 Pro",
        "256GB",
        ["Natural Titanium", "Black Titanium"],
        ["Unlocked"],
        "35398112",
        "780",
    ),
    ("Apple", "iPhone 15", "128GB", ["Black"], ["Unlocked", "Verizon"], "35398021", "560"),
    ("Apple", "iPhone 14", "128GB", ["Midnight"], ["Unlocked"], "35325711", "430"),
    ("Apple", "iPhone 13", "128GB", ["Midnight", "Starlight"], ["Unlocked"], "35278315", "330"),
    ("Apple", "iPhone 13 mini", "128GB", ["Pink"], ["Unlocked"], "35278512", "270"),
    ("Apple", "iPhone 12", "64GB", ["Black"], ["Unlocked"], "35307611", "210"),
    ("Apple", "iPhone SE (3rd gen)", "64GB", ["Midnight"], ["Unlocked"], "35611217", "140"),
    ("Samsung", "Galaxy S24 Ultra", "256GB", ["Titanium Gray"], ["Unlocked"], "35012379", "720"),
    (
        "Samsung",
        "Galaxy S23",
        "128GB",
        ["Phantom Black", "Cream"],
        ["Unlocked"],
        "35081536",
        "380",
    ),
    ("Samsung", "Galaxy S22", "128GB", ["Phantom Black"], ["Unlocked"], "35249861", "250"),
    ("Samsung", "Galaxy A54 5G", "128GB", ["Awesome Graphite"], ["Unlocked"], "35057172", "160"),
    ("Samsung", "Galaxy Z Flip5", "256GB", ["Mint"], ["Unlocked"], "35030581", "480"),
    ("Google", "Pixel 8 Pro", "128GB", ["Obsidian"], ["Unlocked"], "35870564", "520"),
    ("Google", "Pixel 8", "128GB", ["Hazel"], ["Unlocked"], "35870331", "390"),
    ("Google", "Pixel 7a", "128GB", ["Charcoal"], ["Unlocked"], "35316744", "190"),
    ("Apple", "iPad Air (5th gen)", "64GB", ["Space Gray"], ["Wi-Fi"], "SERIAL", "360"),
    (
        "Apple",
        "iPad (10th gen)",
        "64GB",
        ["Silver"],
        ["Wi-Fi"],
        "SERIAL",
        "270",
    ),
    ("Apple", "iPad Pro 11-inch (4th gen)", "128GB", ["Space Gray"], ["Wi-Fi"], "SERIAL", "560"),
    ("Samsung", "Galaxy Tab S9", "128GB", ["Graphite"], ["Wi-Fi"], "35294761", "430"),
    ("Samsung", "Galaxy Tab A8", "32GB", ["Gray"], ["Wi-Fi"], "35446912", "110"),
]
CONDITION_COST_FACTOR = {
    "A": Decimal("1.00"),
    "B": Decimal("0.86"),
    "C": Decimal("0.71"),
    "D": Decimal("0.52"),
}
CONDITION_WEIGHTS = {"A": 35, "B": 35, "C": 20, "D": 10}

# (vendor index, days ago, devices, final status)
PURCHASE_ORDERS = [
    (1, 88, 36, "closed"),
    (0, 80, 30, "closed"),
    (2, 71, 34, "closed"),
    (3, 63, 28, "closed"),
    (1, 52, 32, "closed"),
    (0, 44, 30, "received"),
    (2, 33, 34, "received"),
    (1, 21, 30, "received"),
    (3, 12, 26, "received"),
    (0, 4, 6, "void"),
    (2, 1, 14, "draft"),
]
# (customer index: -1 is Acme Wireless, days ago, devices, final status, share paid)
INVOICES = [
    (0, 60, 14, "paid", Decimal("1")),
    (1, 55, 18, "paid", Decimal("1")),
    (2, 47, 9, "paid", Decimal("1")),
    (3, 40, 16, "partially_paid", Decimal("0.5")),
    (-1, 34, 12, "paid", Decimal("1")),
    (0, 27, 10, "partially_paid", Decimal("0.3")),
    (1, 20, 15, "open", Decimal("0")),
    (3, 14, 11, "open", Decimal("0")),
    (2, 9, 6, "void", Decimal("0")),
    (-1, 6, 8, "open", Decimal("0")),
    (0, 2, 7, "draft", Decimal("0")),
    (1, 0, 5, "draft", Decimal("0")),
]
PAYMENT_METHODS = ["wire", "wire", "check", "card", "cash"]


class Command(BaseCommand):
    help = "Create the demo company 'Demo Phones Wholesale' (log in as demo@cellbooks.test / demo)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the demo company exists."
        )
        group.add_argument(
            "--replace", action="store_true", help="Delete the demo company first and rebuild it."
        )

    def handle(self, *args, if_empty=False, replace=False, **options):
        existing = Company.objects.filter(slug=DEMO_SLUG).first()
        if existing and if_empty:
            self.stdout.write(f"The demo company exists already. {self._login()}")
            return
        if existing and not replace:
            raise CommandError(
                "The demo company exists already: use --replace to rebuild it, or --if-empty."
            )
        with transaction.atomic():
            if existing:
                delete_company_data(existing)
            company = DemoBuilder(random.Random(SEED)).build()
        devices = Device.objects.filter(company=company).count()
        self.stdout.write(self.style.SUCCESS(f"Built {company.name}: {devices} devices."))
        self.stdout.write(self._login())

    @staticmethod
    def _login() -> str:
        return f"Log in as {DEMO_EMAIL} with password {DEMO_PASSWORD}."


def delete_company_data(company) -> None:
    """Delete a company, children first: inventory links are PROTECTed against accidents."""
    Payment.objects.filter(company=company).delete()
    InvoiceLine.objects.filter(invoice__company=company).delete()
    Invoice.objects.filter(company=company).delete()
    PurchaseOrderLine.objects.filter(purchase_order__company=company).delete()
    PurchaseOrder.objects.filter(company=company).delete()
    Device.objects.filter(company=company).delete()
    Product.objects.filter(company=company).delete()
    Condition.objects.filter(company=company).delete()
    Partner.objects.filter(company=company).delete()
    company.delete()


def money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class DemoBuilder:
    """Builds the demo company step by step; ``rng`` decides every varied detail."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.today = timezone.localdate()
        self.used_identifiers: set[str] = set()

    def build(self) -> Company:
        """1. company and people, 2. partners, 3. stock through purchase orders, 4. sales."""
        self.company = create_company(name=DEMO_NAME, slug=DEMO_SLUG)
        owner = add_member(company=self.company, email=DEMO_EMAIL, password=DEMO_PASSWORD,
                           role=Membership.Role.OWNER, first_name="Dana", last_name="Demo")  # fmt: skip
        team = [
            (BOOKKEEPER_EMAIL, Membership.Role.BOOKKEEPER, "Bea", "Books"),
            (WAREHOUSE_EMAIL, Membership.Role.WAREHOUSE, "Wes", "Shelves"),
            (VIEWER_EMAIL, Membership.Role.VIEWER, "Val", "Looks"),
        ]
        for email, role, first_name, last_name in team:
            member = add_member(company=self.company, email=email, password=None, role=role,
                                first_name=first_name, last_name=last_name)  # fmt: skip
            if not member.has_usable_password():
                # Same password: reuse the hash, as hashing is deliberately slow (most of the run).
                member.password = owner.password
                member.save(update_fields=["password"])
        self.vendors = [self._partner(name, is_vendor=True, **extra) for name, extra in VENDORS]
        self.customers = [
            self._partner(name, is_customer=True, **extra) for name, extra in CUSTOMERS
        ]
        self.company.address = "455 Commerce Drive, Suite 210\nMiami, FL 33166"
        self.company.phone = "+1 305 555 0100"
        self.company.email = "sales@demophones.test"
        self.company.save(update_fields=["address", "phone", "email"])
        for spec in PURCHASE_ORDERS:
            self._purchase_order(*spec)
        for spec in INVOICES:
            self._invoice(*spec)
        self._test_results()
        self._asking_prices()
        return self.company

    def _test_results(self) -> None:
        """What a tester records on arrival: battery health, iCloud/Find My, carrier lock. Drawn
        from a random stream of its own, so the rest of the demo stays the same."""
        rng = random.Random(SEED + 1)
        devices = list(Device.objects.filter(company=self.company).order_by("pk"))
        for device in devices:
            device.battery_health = rng.choice([100, 98, 95, 92, 90, 88, 86, 84, 81, 79])
            device.fmi_lock = Device.LockStatus.ON if rng.random() < 0.03 else Device.LockStatus.OFF
            device.carrier_lock = (
                Device.CarrierLock.UNLOCKED
                if "unlocked" in device.product.network.lower() or rng.random() < 0.5
                else Device.CarrierLock.LOCKED
            )
            device.cosmetic_notes = rng.choice(["", "", "", "Light scratches on the back",
                                                "Small dent, bottom edge", "Screen micro-scratches"])  # fmt: skip
            device.tested_by = rng.choice(["Dana", "Sam"])
            device.tested_on = timezone.localdate(device.created_at)
        Device.objects.bulk_update(
            devices,
            [
                "battery_health",
                "fmi_lock",
                "carrier_lock",
                "cosmetic_notes",
                "tested_by",
                "tested_on",
            ],
            batch_size=500,
        )

    def _asking_prices(self) -> None:
        """An asking price for most of what is in stock: its average cost plus about a quarter."""
        for index, row in enumerate(selectors.price_sheet(company=self.company, today=self.today)):
            if index % 5 == 4:
                continue  # a few rows without one: the sheet says "Ask us"
            price = (row.average_cost * Decimal("1.25")).to_integral_value() - Decimal("0.01")
            services.set_asking_price(
                company=self.company, product=row.product, condition=row.condition, price=price
            )

    def _partner(self, name, **fields) -> Partner:
        return services.create_partner(company=self.company, name=name, **fields)

    def _date(self, days_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days_ago)

    # --- stock ----------------------------------------------------------------------------------

    def _identifier(self, tac: str) -> str:
        """A new valid IMEI on the model's type allocation code, or an Apple-style serial."""
        while True:
            if tac == "SERIAL":
                alphabet = "ABCDEFGHJKLMNPQRTUVWXYZ0123456789"
                candidate = "".join(self.rng.choice(alphabet) for _ in range(12))
            else:
                body = tac + f"{self.rng.randrange(10**6):06d}"
                candidate = body + luhn_check_digit(body)
            if candidate not in self.used_identifiers:
                self.used_identifiers.add(candidate)
                return candidate

    def _csv_row(self) -> str:
        manufacturer, model, capacity, colours, networks, tac, base = self.rng.choice(CATALOGUE)
        grade = self.rng.choices(list(CONDITION_WEIGHTS), weights=list(CONDITION_WEIGHTS.values()))[
            0
        ]
        cost = money(
            Decimal(base) * CONDITION_COST_FACTOR[grade] * Decimal(self.rng.randint(92, 108)) / 100
        )
        price = money(
            (cost * Decimal(self.rng.randint(118, 135)) / 100).to_integral_value() - Decimal("0.01")
        )
        cells = [self._identifier(tac), manufacturer, model, capacity, self.rng.choice(colours),
                 self.rng.choice(networks), grade, str(cost), str(price), f"Bin {self.rng.randint(1, 24)}"]  # fmt: skip
        return "\t".join(cells)

    def _purchase_order(self, vendor_index, days_ago, count, status) -> PurchaseOrder:
        po = services.create_purchase_order(
            company=self.company, vendor=self.vendors[vendor_index], date=self._date(days_ago)
        )
        header = "IMEI/Serial\tManufacturer\tModel\tCapacity\tColour\tNetwork\tCondition\tCost\tPrice\tLocation"
        rows = [self._csv_row() for _ in range(count)]
        csv_import.import_purchase_order_csv(purchase_order=po, text="\n".join([header, *rows]))
        if status in ("received", "closed"):
            services.receive_purchase_order(purchase_order=po)
            PurchaseOrder.objects.filter(pk=po.pk).update(
                received_at=timezone.now() - datetime.timedelta(days=max(days_ago - 2, 0))
            )
        if status == "closed":
            services.close_purchase_order(purchase_order=po)
        if status == "void":
            po.notes = "Lot rejected on inspection: returned to the vendor."
            services.update_purchase_order(purchase_order=po, notes=po.notes)
            services.void_purchase_order(purchase_order=po)
        return po

    # --- sales ----------------------------------------------------------------------------------

    def _invoice(self, customer_index, days_ago, count, status, share_paid) -> Invoice:
        customer = self.vendors[0] if customer_index < 0 else self.customers[customer_index]
        invoice = services.create_invoice(
            company=self.company, customer=customer, date=self._date(days_ago)
        )
        in_stock = list(
            Device.objects.filter(
                company=self.company,
                status=Device.Status.IN_STOCK,
                purchase_line__purchase_order__status__in=["received", "closed"],
            ).order_by("id")
        )
        chosen = self.rng.sample(in_stock, count)
        services.add_devices_to_invoice(invoice=invoice, identifiers=[d.identifier for d in chosen])
        if status == "draft":
            return invoice
        services.open_invoice(invoice=invoice)
        if status == "void":
            services.void_invoice(invoice=invoice)
        elif share_paid:
            self._payments(invoice, share_paid, days_ago)
        return invoice

    def _payments(self, invoice: Invoice, share_paid: Decimal, days_ago: int) -> None:
        """Pay ``share_paid`` of the total, in one or two payments after the invoice date."""
        target = invoice.total if share_paid == 1 else money(invoice.total * share_paid)
        parts = (
            [target] if target < 2000 or share_paid < 1 else [money(target * Decimal("0.6")), None]
        )
        paid = Decimal("0.00")
        for i, part in enumerate(parts):
            amount = part if part is not None else target - paid
            when = self._date(max(days_ago - 7 * (i + 1), 0))
            services.record_payment(
                invoice=invoice, amount=amount, date=when, method=self.rng.choice(PAYMENT_METHODS),
                reference=f"{self.rng.choice(['WIRE', 'CHK', 'TXN'])}-{self.rng.randint(10000, 99999)}",
            )  # fmt: skip
            paid += amount
