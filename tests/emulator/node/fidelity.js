// node-quickbooks, used unchanged but for its base URL, against the QBO emulator.
// Usage: node fidelity.js <emulator URL> <realmId> <access token>
// Prints one JSON object of what it saw; tests/emulator/test_fidelity_node_quickbooks.py
// checks it. Any error from the emulator ends the run with its body on stderr.
'use strict';

const { promisify } = require('node:util');
const { Readable } = require('node:stream');
const QuickBooks = require('node-quickbooks');

const [url, realmId, token] = process.argv.slice(2);
// The one change: node-quickbooks' API base URL points at the emulator.
QuickBooks.V3_ENDPOINT_BASE_URL = `${url}/v3/company/`;
const qbo = new QuickBooks(
  'client-id', 'client-secret', token, false, realmId,
  true /* sandbox */, false /* debug */, 75, '2.0', 'refresh-token',
);
const call = (method, ...args) => promisify(qbo[method]).apply(qbo, args);

async function main() {
  const seen = {};
  const accounts = await call('findAccounts', { fetchAll: true });
  const byName = Object.fromEntries(accounts.QueryResponse.Account.map((a) => [a.Name, a]));
  const ref = (record, name = 'Name') => ({ value: record.Id, name: record[name] });

  // Name lists: create, read, sparse update, find with criteria, count.
  const customer = await call('createCustomer', { DisplayName: 'Node Customer' });
  const updated = await call('updateCustomer', {
    Id: customer.Id, SyncToken: customer.SyncToken, CompanyName: 'Node Co',
  });
  seen.customer = {
    read: (await call('getCustomer', customer.Id)).DisplayName,
    syncToken: updated.SyncToken,
    companyName: updated.CompanyName,
    found: (await call('findCustomers', { DisplayName: 'Node Customer' })).QueryResponse.Customer
      .map((c) => c.Id).join(),
    id: customer.Id,
    count: (await call('findCustomers', { count: true })).QueryResponse.totalCount,
  };
  const item = await call('createItem', {
    Name: 'Node Phone', Type: 'Service', IncomeAccountRef: ref(byName['Sales of Product Income']),
  });
  const vendor = await call('createVendor', { DisplayName: 'Node Vendor' });

  // An invoice and a credit memo, the credit used by a payment of 0.
  const line = (amount) => ({
    Amount: amount, DetailType: 'SalesItemLineDetail',
    SalesItemLineDetail: { ItemRef: ref(item), Qty: 1, UnitPrice: amount },
  });
  const invoice = await call('createInvoice', {
    CustomerRef: ref(customer, 'DisplayName'), Line: [line(300)],
  });
  const memo = await call('createCreditMemo', {
    CustomerRef: ref(customer, 'DisplayName'), Line: [line(120)],
  });
  const payment = await call('createPayment', {
    CustomerRef: { value: customer.Id }, TotalAmt: 180,
    Line: [
      { Amount: 300, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] },
      { Amount: 120, LinkedTxn: [{ TxnId: memo.Id, TxnType: 'CreditMemo' }] },
    ],
  });
  const paid = await call('getInvoice', invoice.Id);
  const used = await call('getCreditMemo', memo.Id);
  seen.credit = {
    invoiceBalance: paid.Balance,
    invoiceLinks: paid.LinkedTxn.map((l) => `${l.TxnType}:${l.TxnId}`),
    memoRemaining: used.RemainingCredit,
    memoLinks: used.LinkedTxn.map((l) => `${l.TxnType}:${l.TxnId}`),
    paymentId: payment.Id,
    unapplied: payment.UnappliedAmt,
  };
  await call('voidPayment', { Id: payment.Id, SyncToken: payment.SyncToken });
  seen.afterVoid = {
    invoiceBalance: (await call('getInvoice', invoice.Id)).Balance,
    memoRemaining: (await call('getCreditMemo', memo.Id)).RemainingCredit,
  };

  // A refund receipt, an estimate, a sales receipt deposited to the bank.
  const refund = await call('createRefundReceipt', {
    CustomerRef: ref(customer, 'DisplayName'), DepositToAccountRef: ref(byName.Checking),
    Line: [line(45)],
  });
  const estimate = await call('createEstimate', {
    CustomerRef: ref(customer, 'DisplayName'), Line: [line(999)],
  });
  const receipt = await call('createSalesReceipt', { Line: [line(80)] });
  const deposit = await call('createDeposit', {
    DepositToAccountRef: ref(byName.Checking),
    Line: [{ Amount: 80, LinkedTxn: [{ TxnId: receipt.Id, TxnType: 'SalesReceipt' }] }],
  });
  seen.sales = {
    refund: [refund.TotalAmt, refund.Balance],
    estimate: [estimate.TotalAmt, estimate.TxnStatus],
    deposit: deposit.TotalAmt,
  };
  await call('deleteEstimate', estimate.Id);

  // A bill, a vendor credit and the bill payment that uses it.
  const expense = (amount) => ({
    Amount: amount, DetailType: 'AccountBasedExpenseLineDetail',
    AccountBasedExpenseLineDetail: { AccountRef: ref(byName['Cost of Goods Sold']) },
  });
  const bill = await call('createBill', { VendorRef: ref(vendor, 'DisplayName'), Line: [expense(500)] });
  const vendorCredit = await call('createVendorCredit', {
    VendorRef: ref(vendor, 'DisplayName'), Line: [expense(200)],
  });
  const billPayment = await call('createBillPayment', {
    VendorRef: { value: vendor.Id }, PayType: 'Check', TotalAmt: 300,
    CheckPayment: { BankAccountRef: ref(byName.Checking) },
    Line: [
      { Amount: 500, LinkedTxn: [{ TxnId: bill.Id, TxnType: 'Bill' }] },
      { Amount: 200, LinkedTxn: [{ TxnId: vendorCredit.Id, TxnType: 'VendorCredit' }] },
    ],
  });
  seen.purchases = {
    billBalance: (await call('getBill', bill.Id)).Balance,
    vendorCreditBalance: (await call('getVendorCredit', vendorCredit.Id)).Balance,
    vendorBalance: (await call('getVendor', vendor.Id)).Balance,
    billPaymentTotal: billPayment.TotalAmt,
  };

  // A transfer, then the balances every account shows.
  await call('createTransfer', {
    FromAccountRef: ref(byName.Checking), ToAccountRef: ref(byName.Savings), Amount: 25,
  });
  const after = Object.fromEntries(
    (await call('findAccounts', { fetchAll: true })).QueryResponse.Account
      .map((a) => [a.Name, a.CurrentBalance]),
  );
  seen.balances = { Checking: after.Checking, Savings: after.Savings };

  // Tax: an agency, a code with a new rate, an invoice taxed by it.
  const agency = await call('createTaxAgency', { DisplayName: 'Node Tax Agency' });
  const taxService = await call('createTaxService', {
    TaxCode: 'Node Code',
    TaxRateDetails: [{ TaxRateName: 'Node Rate', RateValue: '10', TaxAgencyId: agency.Id, TaxApplicableOn: 'Sales' }],
  });
  const taxed = await call('createInvoice', {
    CustomerRef: { value: customer.Id },
    Line: [{ ...line(200), SalesItemLineDetail: { ItemRef: ref(item), TaxCodeRef: { value: 'TAX' } } }],
    TxnTaxDetail: { TxnTaxCodeRef: { value: taxService.TaxCodeId } },
  });
  seen.tax = { code: (await call('getTaxCode', taxService.TaxCodeId)).Name, total: taxed.TotalAmt, tax: taxed.TxnTaxDetail.TotalTax };

  // An upload linked to the invoice (node-quickbooks then updates the Attachable).
  const attachable = await call(
    'upload', 'imeis.csv', 'text/csv', Readable.from([Buffer.from('imei\n356938035643809\n')]),
    'Invoice', invoice.Id,
  );
  seen.attachable = {
    name: attachable.FileName, size: attachable.Size,
    linkedTo: attachable.AttachableRef[0].EntityRef.value,
  };

  // Preferences, reports, batch and change data capture.
  const prefs = await call('getPreferences');
  const newPrefs = await call('updatePreferences', {
    Id: prefs.Id, SyncToken: prefs.SyncToken, sparse: true,
    EmailMessagesPrefs: { EstimateMessage: { Subject: 'Node quote' } },
  });
  seen.preferences = {
    estimateSubject: newPrefs.EmailMessagesPrefs.EstimateMessage.Subject,
    invoiceSubject: newPrefs.EmailMessagesPrefs.InvoiceMessage.Subject,
  };
  const pnl = await call('reportProfitAndLoss', { date_macro: 'All' });
  const netIncome = pnl.Rows.Row.find((r) => r.group === 'NetIncome');
  const sheet = await call('reportBalanceSheet', { date_macro: 'All' });
  const totals = sheet.Rows.Row.map((r) => r.Summary.ColData[1].value);
  seen.reports = { netIncome: netIncome.Summary.ColData[1].value, balanceSheetTotals: totals };
  const batch = await call('batch', [
    { bId: 'b1', operation: 'create', Customer: { DisplayName: 'Node Batch' } },
    { bId: 'b2', Query: "select * from Customer where DisplayName = 'Node Customer'" },
  ]);
  seen.batch = batch.BatchItemResponse.map((r) => `${r.bId}:${r.Customer ? r.Customer.DisplayName : r.QueryResponse.Customer[0].Id}`);
  const cdc = await call('changeDataCapture', ['Invoice', 'CreditMemo'], new Date(Date.now() - 3600e3));
  seen.cdc = cdc.CDCResponse[0].QueryResponse.map((group) => Object.keys(group).filter((k) => !['startPosition', 'maxResults'].includes(k))[0]).sort();

  // Delete, then read: QBO's fault comes back as the error.
  await call('deleteRefundReceipt', refund.Id);
  try {
    await call('getRefundReceipt', refund.Id);
    seen.deleted = 'still there';
  } catch (err) {
    const body = err.response ? err.response.data : err;
    seen.deleted = body.Fault.Error[0].code;
  }
  process.stdout.write(JSON.stringify(seen));
}

main().catch((err) => {
  const body = err && err.response ? err.response.data : err;
  process.stderr.write(`${JSON.stringify(body && body.Fault ? body : String(err && err.stack || err))}\n`);
  process.exit(1);
});
