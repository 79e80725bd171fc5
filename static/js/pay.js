// The portal's pay page, a little quicker with JavaScript (the form works without it):
// - "Everything due" / "The whole balance" tick the rows in place instead of reloading the page;
// - typing an amount on a row ticks it, unticking a row clears its amount;
// - the line above the button says what will be paid (and when cards are not offered for it), in
//   the page's language: its sentences come translated in #pay-total's data attributes, its amounts
//   are written as the language writes them (the page's <html lang>), English as "2,000.00 USD".
// Amounts are computed in cents (integers), never as floating-point money. The form is swapped
// by htmx when it comes back with errors, so every listener is on the document.
(() => {
  const form = () => document.getElementById("pay-form");
  const rows = () => Array.from(document.querySelectorAll("#pay-invoices tbody tr"));
  const box = (row) => row.querySelector("input[type=checkbox]");
  const own = (row) => row.querySelector("input[type=text]");

  const language = () => document.documentElement.lang || "en";

  function cents(text) {
    let clean = String(text || "").trim().replace(/[\s\u00a0\u202f]/g, "");
    // A decimal comma ("12,50", "1.234,56") where the language writes one; else commas group thousands.
    if (/,\d{1,2}$/.test(clean)) clean = clean.replace(/\./g, "").replace(",", ".");
    else clean = clean.replace(/,/g, "");
    if (!/^\d+(\.\d{1,2})?$/.test(clean)) return null;
    const [whole, part = ""] = clean.split(".");
    return Number(whole) * 100 + Number((part + "00").slice(0, 2));
  }

  function show(value) {
    const whole = Math.floor(value / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return `${whole}.${String(value % 100).padStart(2, "0")}`;
  }

  function money(value, currency) {
    if (language().startsWith("en") || !currency) return `${show(value)} ${currency}`.trim();
    // Cents are whole numbers: dividing by 100 only places the decimal point for display.
    return new Intl.NumberFormat(language(), {style: "currency", currency}).format(value / 100);
  }

  function say(text, figures) {
    return Object.entries(figures).reduce((out, [name, value]) => out.replace(`{${name}}`, value), text || "");
  }

  function update() {
    const total = document.getElementById("pay-total");
    if (!total) return;
    const ticked = rows().filter((row) => box(row).checked);
    if (!ticked.length) {
      total.hidden = true;
      return;
    }
    let sum = 0;
    for (const row of ticked) {
      const typed = cents(own(row).value);
      sum += typed === null ? cents(row.dataset.open) : typed;
    }
    const part = cents(form().querySelector("[name=amount]").value);
    if (part !== null && part < sum) sum = part;
    const currencies = new Set(ticked.map((row) => row.dataset.currency));
    const currency = currencies.size === 1 ? ticked[0].dataset.currency : "";
    const methods = document.getElementById("pay-methods");
    const max = cents(methods && methods.dataset.cardMax);
    const noCard = max !== null && sum > max ? ` ${total.dataset.noCard}` : "";
    const mixed = currencies.size > 1 ? ` ${total.dataset.mixed}` : "";
    const surcharged = document.getElementById("pay-method");
    const byCard = form().querySelector("[name=method][value=card]");
    const basis = surcharged ? cents(surcharged.dataset.surcharge) : null;  // percent × 100
    const extra = byCard && byCard.checked && basis ? Math.floor((sum * basis + 5000) / 10000) : 0;
    const withCard = extra ? ` ${say(total.dataset.byCard, {amount: money(sum + extra, currency),
                                                            extra: money(extra, currency)})}` : "";
    const youPay = ticked.length === 1 ? total.dataset.youPayOne : total.dataset.youPay;
    const head = say(youPay, {amount: money(sum, currency), count: ticked.length});
    total.textContent = `${head}${withCard}${noCard}${mixed}`.replace("  ", " ");
    total.hidden = false;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-pay-select]");
    if (!link || !form()) return;
    event.preventDefault();
    const today = form().dataset.today;
    for (const row of rows()) {
      box(row).checked = link.dataset.paySelect === "all" || row.dataset.due <= today;
      if (!box(row).checked) own(row).value = "";
    }
    update();
  });

  document.addEventListener("input", (event) => {
    const row = event.target.closest && event.target.closest("#pay-invoices tbody tr");
    if (row && event.target === own(row) && event.target.value.trim()) box(row).checked = true;
    if (row && event.target === box(row) && !box(row).checked) own(row).value = "";
    if (event.target.closest && event.target.closest("#pay-form")) update();
  });
  document.addEventListener("change", (event) => {
    if (event.target.closest && event.target.closest("#pay-form")) update();
  });
  document.addEventListener("htmx:afterSwap", update);
  document.addEventListener("DOMContentLoaded", update);
  update();
})();
