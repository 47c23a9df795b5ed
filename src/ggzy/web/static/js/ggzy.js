// OpenGGZY pages: small progressive enhancements only; every page works without JavaScript.
(function () {
  "use strict";
  // A form is submitted once: the button is disabled while the request is on its way.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if ((form.getAttribute("method") || "").toLowerCase() === "post") {  // a control may be named "method"
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    }
  });
  // Coming back to a page from the history cache re-enables its buttons.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[disabled]").forEach(function (b) { b.disabled = false; });
  });
})();
