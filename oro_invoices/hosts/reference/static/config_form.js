/* System > Configuration: a field is disabled while its "Use default" is ticked. Unticking
   enables it; clicking the disabled field unticks "Use default" so the field can be edited.
   Without this script the server still refuses a change made while "Use default" is ticked.
   A box ticked before the script ran, or restored by the browser on Back, is honoured too. */
(function () {
  "use strict";
  function fieldOf(box) {
    return document.getElementById(box.getAttribute("data-use-default"));
  }
  function syncAll() {
    var boxes = document.querySelectorAll("[data-use-default]");
    for (var i = 0; i < boxes.length; i += 1) {
      var field = fieldOf(boxes[i]);
      if (field) {
        field.disabled = boxes[i].checked;
      }
    }
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-use-default")) {
      return;
    }
    var field = fieldOf(box);
    if (field) {
      field.disabled = box.checked;
      if (!box.checked) {
        field.focus();
      }
    }
  });
  syncAll();
  window.addEventListener("pageshow", syncAll);
  document.addEventListener("click", function (event) {
    var cell = event.target instanceof Element ? event.target.closest("[data-setting-field]") : null;
    var field = cell ? cell.querySelector("input, select, textarea") : null;
    if (!field || !field.disabled) {
      return;
    }
    var boxes = document.querySelectorAll("[data-use-default]");
    for (var i = 0; i < boxes.length; i += 1) {
      if (boxes[i].getAttribute("data-use-default") === field.id) {
        boxes[i].checked = false;
        field.disabled = false;
        field.focus();
      }
    }
  });
})();
