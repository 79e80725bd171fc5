// The portal's autopay form, a little tidier with JavaScript (it works without it): the "day of
// the month" field shows only while "On a day of the month I choose" is picked. The form is
// swapped by htmx when it comes back with errors, so the listener is on the document.
(() => {
  function sync() {
    const day = document.getElementById("field-day");
    const picked = document.querySelector("#autopay-form input[name=schedule]:checked");
    if (day) day.hidden = !picked || picked.value !== "day";
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches("#autopay-form input[name=schedule]")) sync();
  });
  document.addEventListener("htmx:afterSwap", sync);
  document.addEventListener("DOMContentLoaded", sync);
})();
