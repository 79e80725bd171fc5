// The sandbox checkout: a click on a test number fills the number field (no inline handlers: CSP).
document.addEventListener("click", (event) => {
  const button = event.target.closest(".fill-number");
  if (!button) return;
  const field = document.querySelector("input[name=number]:not([type=hidden])");
  if (field) {
    field.value = button.dataset.number;
    field.focus();
  }
});
