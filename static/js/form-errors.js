// Errors are never silent on in-place (HTMX) forms.
//
// 1. A refused form (400/422) is swapped in with its errors (htmx-config in base.html), but the
//    error can land out of sight: a plan form's message sits at its top while the collector is at
//    its submit button, in a panel that scrolls. Bring the first error into view and put the cursor
//    in the first field refused.
// 2. Any other failure (403, 404, 409, 500, no network) is not swapped: say so next to the form
//    that was sent, instead of a button that seems to do nothing.
(() => {
  const ERRORS = ".errorlist, .flash.error, .param-errors, [role=alert]";
  const shown = new WeakSet();

  function revealErrors(event) {
    const xhr = event.detail.xhr;
    if (!xhr || (xhr.status !== 400 && xhr.status !== 422) || shown.has(xhr)) return;
    const region = event.target instanceof Element && event.target.isConnected ? event.target : document;
    const error = region.querySelector(ERRORS) || document.querySelector(ERRORS);
    if (!error) return;
    shown.add(xhr);
    error.scrollIntoView({block: "nearest"});
    const field = (error.closest("form") || region).querySelector("[aria-invalid=true]");
    if (field) field.focus({preventScroll: true});
  }

  function failureText(detail) {
    const xhr = detail.xhr;
    if (!xhr || !xhr.status) return "Nothing was saved: the server could not be reached. Check the connection and try again.";
    if (xhr.status === 403) return "Nothing was done: you may not do this (403). Reload the page if you signed in again.";
    if (xhr.status === 404) return "Nothing was done: this item no longer exists (404). Reload the page.";
    if (xhr.status === 409) return "Nothing was done: someone changed this meanwhile (409). Reload the page.";
    return `Nothing was saved: the server failed (${xhr.status}). Try again; if it fails again, tell an administrator.`;
  }

  function sayFailure(event) {
    const elt = event.detail.elt;
    const anchor = (elt && elt.closest && (elt.closest("form") || elt)) || document.querySelector("main");
    const note = document.createElement("p");
    note.className = "message error htmx-failure";
    note.setAttribute("role", "alert");
    note.textContent = failureText(event.detail);
    if (anchor && anchor.isConnected && anchor.tagName !== "MAIN") anchor.insertAdjacentElement("afterend", note);
    else document.querySelector("main")?.prepend(note);
    note.scrollIntoView({block: "nearest"});
  }

  document.addEventListener("htmx:beforeRequest", () => {
    document.querySelectorAll(".htmx-failure").forEach(note => note.remove());
  });
  document.addEventListener("htmx:afterSettle", revealErrors);
  document.addEventListener("htmx:responseError", sayFailure);
  document.addEventListener("htmx:sendError", sayFailure);
})();
