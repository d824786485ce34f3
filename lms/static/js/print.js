/* The "Print" button of printable pages (no inline scripts: the CSP forbids them). */
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }
})();
