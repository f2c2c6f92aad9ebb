/* Small enhancements of the invoice pages, kept out of the HTML so that a Content-Security-Policy
   without 'unsafe-inline' scripts allows them. Every page works without them. */
(function () {
  "use strict";
  // <select data-oi-autosubmit>: submit its form as soon as a choice is made.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-oi-autosubmit") && target.form) {
      target.form.submit();
    }
  });
  // <a data-oi-back href="…">: go back in the history when there is one, else follow the link.
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[data-oi-back]") : null;
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
  // The hand-over to a payment provider: <form data-oi-submit-on-load> is posted and
  // <a data-oi-follow-on-load> followed as soon as the page is read (each has a button or
  // link of its own for browsers without scripts).
  function handOver() {
    var form = document.querySelector("form[data-oi-submit-on-load]");
    if (form) {
      form.submit();
      return;
    }
    var link = document.querySelector("a[data-oi-follow-on-load]");
    if (link) {
      window.location.assign(link.href);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", handOver);
  } else {
    handOver();
  }
})();
