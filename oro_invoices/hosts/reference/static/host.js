/* The reference shop's page enhancements, kept out of the HTML so that its Content-Security-Policy
   allows no inline script. Every page works without them. */
(function () {
  "use strict";
  // <select data-autosubmit>: submit its form as soon as a choice is made.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });
})();
