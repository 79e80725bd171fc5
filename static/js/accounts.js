// The accounts pages' small behaviours, as a static file so the Content-Security-Policy needs no
// inline script: aging strip widths, the portal link that selects itself, "tick all".
(function () {
  "use strict";

  function sizeAgingStrips(root) {
    root.querySelectorAll(".aging-strip [data-share]").forEach(function (bar) {
      bar.style.width = bar.dataset.share + "%";
    });
  }

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
  });

  document.addEventListener("click", function (event) {
    var box = event.target.closest && event.target.closest("input[data-check-all]");
    if (!box) return;
    document.querySelectorAll(box.dataset.checkAll).forEach(function (item) { item.checked = box.checked; });
  });

  if (window.htmx) {
    window.htmx.onLoad(sizeAgingStrips); // the first page and every fragment htmx swaps in
  } else {
    document.addEventListener("DOMContentLoaded", function () { sizeAgingStrips(document); });
  }
})();
