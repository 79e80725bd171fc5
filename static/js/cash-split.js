/* The receipt page's split form: the running total of the amounts typed and what stays unapplied,
   so the collector sees before sending that the amounts fit the receipt (the server checks again). */
(function () {
  "use strict";
  function cents(text) {
    var value = parseFloat(String(text || "").replace(",", "."));
    return isNaN(value) ? 0 : Math.round(value * 100);
  }
  function show(form) {
    var total = 0;
    form.querySelectorAll("input.split-amount").forEach(function (input) { total += cents(input.value); });
    var received = cents(form.dataset.lineAmount);
    var totalCell = form.querySelector("[data-split-total]");
    var leftCell = form.querySelector("[data-split-left]");
    if (totalCell) { totalCell.textContent = (total / 100).toFixed(2); }
    if (leftCell) {
      var left = received - total;
      leftCell.textContent = left < 0 ? "(" + (-left / 100).toFixed(2) + " more than received)" :
        left > 0 ? "(" + (left / 100).toFixed(2) + " stays unapplied)" : "";
      leftCell.classList.toggle("error", left < 0);
    }
  }
  function wire(root) {
    root.querySelectorAll("form.split-form").forEach(function (form) {
      if (form.dataset.wired) { return; }
      form.dataset.wired = "1";
      form.addEventListener("input", function () { show(form); });
      show(form);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSettle", function (event) { wire(event.target); });
  if (document.readyState !== "loading") { wire(document); }
})();
