/* Small enhancements of the invoice pages, kept out of the HTML so that a Content-Security-Policy
   without 'unsafe-inline' scripts allows them. Every page works without them. */
(function () {
  "use strict";
  // An amount in the page's language, as the server writes it: the half-width yen sign (¥), which
  // the browser writes full-width (￥) in Japanese.
  function money(amount, currency) {
    return new Intl.NumberFormat(document.documentElement.lang || undefined, {style: "currency", currency: currency})
      .format(amount).replace(/\uffe5/g, "\u00a5");
  }
  // <select data-oi-autosubmit>: submit its form as soon as a choice is made.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-oi-autosubmit") && target.form) {
      target.form.submit();
    }
  });
  // <input data-oi-suggest="url" list="…">: fill its datalist with the names the url gives for
  // what is typed (GET url?q=…, answering {"names": [...]}), a moment after typing stops;
  // data-oi-suggest-with="currency as_of": those fields of its form are sent along, as set now.
  var suggestTimer = null;
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLInputElement) || !field.hasAttribute("data-oi-suggest") || !field.list) { return; }
    window.clearTimeout(suggestTimer);
    suggestTimer = window.setTimeout(function () {
      var text = field.value.trim();
      if (!text || /^[0-9]+$/.test(text)) { return; }
      var url = field.getAttribute("data-oi-suggest") + "?q=" + encodeURIComponent(text);
      (field.getAttribute("data-oi-suggest-with") || "").split(" ").forEach(function (name) {
        var other = name && field.form ? field.form.elements.namedItem(name) : null;
        if (other && other.value) { url += "&" + encodeURIComponent(name) + "=" + encodeURIComponent(other.value); }
      });
      window.fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (resp) { return resp.ok ? resp.json() : {names: []}; })
        .then(function (data) {
          if (field.value.trim() !== text) { return; }
          var list = field.list;
          while (list.firstChild) { list.removeChild(list.firstChild); }
          (data.names || []).forEach(function (name) {
            var option = document.createElement("option");
            option.value = name;
            list.appendChild(option);
          });
        })
        .catch(function () { /* no suggestions: the field still filters by what is typed */ });
    }, 200);
  });
  // <form data-oi-confirm="Question?">: ask before sending it (without scripts it is sent at once).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-oi-confirm")
        && !window.confirm(form.getAttribute("data-oi-confirm"))) {
      event.preventDefault();
    }
  });
  // <input type="checkbox" data-oi-select-all="form id" hidden>: shown, it ticks or clears every
  // row's checkbox of that form (name="invoice"), and shows whether all, some or none are ticked.
  function rowBoxes(all) {
    return document.querySelectorAll("input[type=checkbox][name=invoice][form='" + all.getAttribute("data-oi-select-all") + "']");
  }
  function showSelection(all) {
    var boxes = Array.prototype.slice.call(rowBoxes(all));
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") { return; }
    if (box.hasAttribute("data-oi-select-all")) {
      Array.prototype.forEach.call(rowBoxes(box), function (row) { row.checked = box.checked; });
    } else if (box.name === "invoice" && box.form) {
      var all = document.querySelector("input[data-oi-select-all='" + box.form.id + "']");
      if (all) { showSelection(all); }
    }
  });
  // <output data-oi-pay-summary data-oi-selected="Selected: %(count)s">: how many invoices are
  // ticked for Pay Selected (<input data-oi-pay-select data-amount data-currency>) and, when they
  // are in one currency, what they come to.
  function showPaySummary() {
    var output = document.querySelector("output[data-oi-pay-summary]");
    if (!output) { return; }
    var ticked = Array.prototype.filter.call(document.querySelectorAll("input[data-oi-pay-select]"),
                                             function (box) { return box.checked; });
    var currencies = {}, total = 0;
    ticked.forEach(function (box) {
      currencies[box.getAttribute("data-currency")] = true;
      total += Number(box.getAttribute("data-amount"));
    });
    var text = ticked.length ? output.getAttribute("data-oi-selected").replace("%(count)s", String(ticked.length)) : "";
    var codes = Object.keys(currencies);
    if (codes.length === 1) {
      text += " \u00b7 " + money(total, codes[0]);
    }
    output.value = text;
    var button = document.getElementById("oi-pay-selected-button");
    if (button) { button.disabled = ticked.length === 0; }     // nothing ticked: nothing to pay yet
  }
  document.addEventListener("change", function (event) {
    if (event.target instanceof HTMLInputElement && event.target.hasAttribute("data-oi-pay-select")) {
      showPaySummary();
    }
  });
  function showSelectAll() {
    showPaySummary();            // the browser may have kept ticks across a reload
    Array.prototype.forEach.call(document.querySelectorAll("input[data-oi-select-all]"), function (all) {
      all.hidden = false;
      showSelection(all);      // the browser may have kept ticks across a reload
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showSelectAll);
  } else {
    showSelectAll();
  }
  // <output data-oi-shares-total="form id" data-oi-currency data-oi-decimal data-oi-group
  // data-oi-places>: the sum of that form's <input data-oi-share> fields as typed, kept up to
  // date while they are edited; "—" while one of them is a share the form refuses. Each is read
  // as the server reads it (Formatter.typed_number, then the share's checks): the page's number
  // format (digits grouped by three, its decimal sign) or a plain "1234.50"; never an exponent,
  // nor below zero, nor more decimals than the currency has (data-oi-places).
  function escaped(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  function typedShare(text, decimal, group, places) {
    var plain = text.replace(/[\s\u00a0\u202f]/g, "");
    if (plain === "") { return 0; }
    if (group === "'" || group === "\u2019") { plain = plain.replace(/['\u2019]/g, group); }
    // a space as the group separator is gone with the other spaces
    var grouped = /\s/.test(group) ? "" : "[1-9]\\d{0,2}(?:" + escaped(group) + "\\d{3})+|";
    var found = new RegExp("^([+-]?)(" + grouped + "\\d*)(?:" + escaped(decimal) + "(\\d*))?$").exec(plain);
    var sign, whole, fraction;
    var strictly = found && found[2].indexOf(group) >= 0;   // grouped: no "+", no bare decimal sign after it
    if (found && /\d/.test(found[0]) && !(strictly && (found[1] === "+" || found[3] === ""))) {
      sign = found[1];
      whole = found[2].split(group).join("");
      fraction = found[3] || "";
    } else if ((found = /^(-?)(\d+)(?:\.(\d+))?$/.exec(plain))) {
      sign = found[1];
      whole = found[2];
      fraction = found[3] || "";
    } else {
      return NaN;
    }
    var value = Number((sign === "-" ? "-" : "") + (whole || "0") + "." + (fraction || "0"));
    if (value < 0 || Math.abs(value) >= 1e12 || fraction.replace(/0+$/, "").length > places) { return NaN; }
    return value;
  }
  function showSharesTotal(output) {
    var form = document.getElementById(output.getAttribute("data-oi-shares-total"));
    if (!form) { return; }
    var decimal = output.getAttribute("data-oi-decimal"), group = output.getAttribute("data-oi-group");
    var places = Number(output.getAttribute("data-oi-places") || "2");
    var total = 0;
    Array.prototype.forEach.call(form.querySelectorAll("input[data-oi-share]"), function (field) {
      total += typedShare(field.value, decimal, group, places);
    });
    var currency = output.getAttribute("data-oi-currency");
    output.value = isNaN(total) ? "\u2014" : money(total, currency);
  }
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (field instanceof HTMLInputElement && field.hasAttribute("data-oi-share") && field.form) {
      var output = document.querySelector("output[data-oi-shares-total='" + field.form.id + "']");
      if (output) { showSharesTotal(output); }
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
/* Dialogs (<div role="dialog" aria-modal="true">, opened by a link to a ?dialog= page): focus moves
   into the dialog, Tab and Shift+Tab stay inside it, Escape closes it as its Cancel link does, and
   focus returns to the link that opened it. Without a script the links still open and close them. */
(function () {
  "use strict";
  var OPENER = "oi-dialog-opener";
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), " +
    "select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

  function store(value) {
    try {
      if (value === null) { window.sessionStorage.removeItem(OPENER); } else { window.sessionStorage.setItem(OPENER, value); }
    } catch (ignored) { /* storage off: focus is simply not restored */ }
  }
  function stored() {
    try { return window.sessionStorage.getItem(OPENER); } catch (ignored) { return null; }
  }
  function focusables(dialog) {
    return Array.prototype.filter.call(dialog.querySelectorAll(FOCUSABLE), function (el) {
      return !el.classList.contains("oi-modal__backdrop") && el.getClientRects().length > 0;
    });
  }
  // Focus ``element``, and again once the page has loaded if the focus has left ``within``
  // (scrolling to the URL's #fragment at load takes the focus away).
  function keepFocus(element, within) {
    element.focus();
    window.addEventListener("load", function () {
      window.setTimeout(function () {
        if (!within.contains(document.activeElement)) { element.focus(); }
      }, 0);
    });
  }
  function closeLink(dialog) {
    return dialog.querySelector(".oi-modal__foot a[href]") || dialog.querySelector("a.oi-modal__backdrop");
  }
  function close(dialog) {
    var link = closeLink(dialog);
    if (link) { window.location.replace(link.href); }  // replace: Back does not reopen the dialog
  }

  // Remember which link opened a dialog, to give it the focus back when the dialog is gone.
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[href*='dialog=']") : null;
    if (link && !link.closest("[role=dialog]")) {
      store(JSON.stringify({path: window.location.pathname, href: link.getAttribute("href")}));
    }
  });

  function setUp() {
    var dialog = document.querySelector(".oi-modal[role=dialog][aria-modal=true]");
    if (!dialog) {
      var opener = stored();
      store(null);
      if (opener) {
        var saved = {};
        try { saved = JSON.parse(opener) || {}; } catch (ignored) { /* not ours: nothing to restore */ }
        var target = saved.path === window.location.pathname ?
          Array.prototype.find.call(document.querySelectorAll("a[href]"), function (a) {
            return a.getAttribute("href") === saved.href;
          }) : null;
        if (target) { keepFocus(target, target); }
      }
      return;
    }
    var items = focusables(dialog);
    var first = dialog.querySelector("[autofocus]") || dialog.querySelector("[aria-invalid=true]") ||
      items.filter(function (el) { return /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName); })[0] || items[0];
    if (first) { keepFocus(first, dialog); }
    dialog.addEventListener("click", function (event) {
      var link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (link && link === closeLink(dialog) || link && link.classList.contains("oi-modal__backdrop")) {
        event.preventDefault();
        close(dialog);
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        close(dialog);
        return;
      }
      if (event.key !== "Tab") { return; }
      var now = focusables(dialog);
      if (!now.length) { return; }
      var index = now.indexOf(document.activeElement);
      if (event.shiftKey && index <= 0) {
        event.preventDefault();
        now[now.length - 1].focus();
      } else if (!event.shiftKey && (index === -1 || index === now.length - 1)) {
        event.preventDefault();
        now[0].focus();
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
