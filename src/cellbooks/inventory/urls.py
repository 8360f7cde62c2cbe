from django.urls import path

from . import report_views, return_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # Devices
    path("devices/", views.device_list, name="device_list"),
    path("devices/export.<str:fmt>", report_views.device_export, name="device_export"),
    path("devices/new/", views.device_create, name="device_create"),
    path("devices/<int:pk>/", views.device_detail, name="device_detail"),
    path("devices/<int:pk>/edit/", views.device_edit, name="device_edit"),
    # Partners
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/export.<str:fmt>", report_views.partner_export, name="partner_export"),
    path(
        "partners/<int:pk>/statement.pdf",
        report_views.partner_statement_pdf,
        name="partner_statement_pdf",
    ),
    path("partners/new/", views.partner_create, name="partner_create"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    # Purchase orders
    path("purchase-orders/", views.purchase_order_list, name="purchase_order_list"),
    path(
        "purchase-orders/export.<str:fmt>",
        report_views.purchase_order_export,
        name="purchase_order_export",
    ),
    path(
        "purchase-orders/<int:pk>/pdf", report_views.purchase_order_pdf, name="purchase_order_pdf"
    ),
    path("purchase-orders/new/", views.purchase_order_create, name="purchase_order_create"),
    path("purchase-orders/<int:pk>/", views.purchase_order_detail, name="purchase_order_detail"),
    path("purchase-orders/<int:pk>/edit/", views.purchase_order_edit, name="purchase_order_edit"),
    path(
        "purchase-orders/<int:pk>/devices/",
        views.purchase_order_add_device,
        name="purchase_order_add_device",
    ),
    path(
        "purchase-orders/<int:pk>/import/",
        views.purchase_order_import,
        name="purchase_order_import",
    ),
    path(
        "purchase-orders/<int:pk>/lines/<int:line_pk>/remove/",
        views.purchase_order_remove_line,
        name="purchase_order_remove_line",
    ),
    path(
        "purchase-orders/<int:pk>/receive/",
        views.purchase_order_receive,
        name="purchase_order_receive",
    ),
    path(
        "purchase-orders/<int:pk>/close/", views.purchase_order_close, name="purchase_order_close"
    ),
    path("purchase-orders/<int:pk>/void/", views.purchase_order_void, name="purchase_order_void"),
    path(
        "purchase-orders/<int:pk>/delete/",
        views.purchase_order_delete,
        name="purchase_order_delete",
    ),
    # Invoices
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/export.<str:fmt>", report_views.invoice_export, name="invoice_export"),
    path("invoices/<int:pk>/pdf", report_views.invoice_pdf, name="invoice_pdf"),
    path(
        "invoices/<int:pk>/packing-list.pdf",
        report_views.invoice_packing_list_pdf,
        name="invoice_packing_list_pdf",
    ),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/devices/", views.invoice_add_devices, name="invoice_add_devices"),
    path(
        "invoices/<int:pk>/lines/<int:line_pk>/price/",
        views.invoice_line_price,
        name="invoice_line_price",
    ),
    path(
        "invoices/<int:pk>/lines/<int:line_pk>/remove/",
        views.invoice_remove_line,
        name="invoice_remove_line",
    ),
    path("invoices/<int:pk>/open/", views.invoice_open, name="invoice_open"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
    path("invoices/<int:pk>/delete/", views.invoice_delete, name="invoice_delete"),
    path(
        "invoices/<int:pk>/payments/", views.invoice_record_payment, name="invoice_record_payment"
    ),
    path(
        "invoices/<int:pk>/payments/<int:payment_pk>/delete/",
        views.invoice_delete_payment,
        name="invoice_delete_payment",
    ),
    # Customer returns
    path("returns/", return_views.return_list, name="return_list"),
    path("returns/new/", return_views.return_create, name="return_create"),
    path("returns/<int:pk>/", return_views.return_detail, name="return_detail"),
    path("returns/<int:pk>/edit/", return_views.return_edit, name="return_edit"),
    path("returns/<int:pk>/devices/", return_views.return_add_devices, name="return_add_devices"),
    path(
        "returns/<int:pk>/lines/<int:line_pk>/",
        return_views.return_line_update,
        name="return_line_update",
    ),
    path(
        "returns/<int:pk>/lines/<int:line_pk>/remove/",
        return_views.return_line_remove,
        name="return_line_remove",
    ),
    path("returns/<int:pk>/complete/", return_views.return_complete, name="return_complete"),
    path("returns/<int:pk>/void/", return_views.return_void, name="return_void"),
    path("returns/<int:pk>/delete/", return_views.return_delete, name="return_delete"),
    path("returns/<int:pk>/print/", return_views.return_print, name="return_print"),
    # Vendor returns
    path("vendor-returns/", return_views.vendor_return_list, name="vendor_return_list"),
    path("vendor-returns/new/", return_views.vendor_return_create, name="vendor_return_create"),
    path(
        "vendor-returns/<int:pk>/", return_views.vendor_return_detail, name="vendor_return_detail"
    ),
    path(
        "vendor-returns/<int:pk>/edit/", return_views.vendor_return_edit, name="vendor_return_edit"
    ),
    path(
        "vendor-returns/<int:pk>/devices/",
        return_views.vendor_return_add_devices,
        name="vendor_return_add_devices",
    ),
    path(
        "vendor-returns/<int:pk>/lines/<int:line_pk>/",
        return_views.vendor_return_line_credit,
        name="vendor_return_line_credit",
    ),
    path(
        "vendor-returns/<int:pk>/lines/<int:line_pk>/remove/",
        return_views.vendor_return_line_remove,
        name="vendor_return_line_remove",
    ),
    path(
        "vendor-returns/<int:pk>/complete/",
        return_views.vendor_return_complete,
        name="vendor_return_complete",
    ),
    path(
        "vendor-returns/<int:pk>/void/", return_views.vendor_return_void, name="vendor_return_void"
    ),
    path(
        "vendor-returns/<int:pk>/delete/",
        return_views.vendor_return_delete,
        name="vendor_return_delete",
    ),
    path(
        "vendor-returns/<int:pk>/print/",
        return_views.vendor_return_print,
        name="vendor_return_print",
    ),
    # Price sheet and reports
    path("price-sheet/", report_views.price_sheet, name="price_sheet"),
    path(
        "price-sheet/export.<str:fmt>", report_views.price_sheet_export, name="price_sheet_export"
    ),
    path("price-sheet/pdf", report_views.price_sheet_pdf, name="price_sheet_pdf"),
    path(
        "price-sheet/asking-price/",
        report_views.price_sheet_set_price,
        name="price_sheet_set_price",
    ),
    path("reports/margins/", report_views.margin_report, name="margin_report"),
    path("reports/margins/export.<str:fmt>", report_views.margin_export, name="margin_export"),
    path("reports/receivables/", report_views.receivables, name="receivables"),
    path(
        "reports/receivables/export.<str:fmt>",
        report_views.receivables_export,
        name="receivables_export",
    ),
]
