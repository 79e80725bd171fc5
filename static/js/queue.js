/* The queue page: keyboard navigation, a click anywhere on a row opens that account, and the
   collector picker submits on change. No inline script or handler (Content-Security-Policy).

   Two marks on the rows: "cursor" is where the keyboard is (j/k move it); "selected" is the
   account the panel shows, set only from the panel's own data-entry once it has been swapped in,
   so the highlighted row and the open account can never disagree. */
(function () {
  "use strict";
  var pending = null;

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue-list tr[data-pk]")); }
  function cursor() { return document.querySelector("#queue-list tr.cursor") || document.querySelector("#queue-list tr.selected"); }
  function shownEntry() { var shown = document.querySelector("#panel [data-entry]"); return shown ? shown.dataset.entry : null; }

  function point(row) {
    rows().forEach(function (r) { r.classList.toggle("cursor", r === row); });
    if (row) row.scrollIntoView({ block: "nearest" });
  }

  function markOpen() {
    var pk = shownEntry();
    rows().forEach(function (r) {
      var open = r.dataset.pk === pk;
      r.classList.toggle("selected", open);
      if (open) { r.setAttribute("aria-current", "true"); } else { r.removeAttribute("aria-current"); }
      r.classList.remove("loading");
    });
    var row = pk && document.getElementById("item-" + pk);
    if (row) point(row);
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var i = all.indexOf(cursor());
    point(all[i < 0 ? 0 : Math.min(all.length - 1, Math.max(0, i + step))]);
  }

  function open(then) {
    var row = cursor() || rows()[0];
    if (!row) return;
    point(row);
    if (shownEntry() === row.dataset.pk) { if (then) then(); return; }
    pending = then || null;
    row.click();  // the row's hx-get loads the panel
  }

  function focusLog() { var el = document.querySelector("#log-form select[name=outcome]"); if (el) el.focus(); }
  function focusSnooze() {
    var d = document.getElementById("snooze");
    if (!d) return;
    d.open = true;
    var input = d.querySelector("input:not([type=hidden])");
    if (input) input.focus();
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest("input, select, textarea, button, summary")) { if (e.key === "Escape") e.target.blur(); return; }
    switch (e.key) {
      case "j": case "ArrowDown": move(1); break;
      case "k": case "ArrowUp": move(-1); break;
      case "Enter": case "o": open(); break;
      case "l": open(focusLog); break;
      case "s": open(focusSnooze); break;
      case "r": var refresh = document.getElementById("refresh"); if (refresh) refresh.click(); break;
      default: return;
    }
    e.preventDefault();
  });

  // Capture phase, before the row's own hx-get listener: a plain click on the name loads the panel
  // in place like any other cell (the link's real href is for no-JS, reload and new tabs); a
  // ctrl/middle click opens the account in a new tab and leaves the panel alone.
  document.addEventListener("click", function (e) {
    var row = e.target.closest("#queue-list tr[data-pk]");
    if (!row) return;
    var link = e.target.closest("a[href]");
    if (link && (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0)) { e.stopPropagation(); return; }
    if (link) e.preventDefault();
    if (e.target.closest("button, input, select, textarea")) return;
    point(row);
    row.classList.add("loading");
  }, true);
  document.addEventListener("auxclick", function (e) {
    if (e.target.closest("#queue-list tr[data-pk] a[href]")) e.stopPropagation();
  }, true);

  document.addEventListener("change", function (e) {
    if (e.target.matches("select[data-autosubmit]")) e.target.form.submit();
  });

  document.addEventListener("htmx:afterSettle", function () {
    markOpen();
    if (pending) { var then = pending; pending = null; then(); }
  });
  document.addEventListener("DOMContentLoaded", markOpen);
})();
