/* The resident's alarm page: count the cancel window down on screen. The server decides; this only shows it. */
(function () {
  "use strict";
  function start(root) {
    root.querySelectorAll("[data-countdown]").forEach(function (el) {
      var deadline = Date.now() + parseFloat(el.getAttribute("data-countdown")) * 1000;
      function tick() {
        if (!document.body.contains(el)) { return; }
        var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
        el.textContent = String(left);
        if (left > 0) { window.setTimeout(tick, 200); }
      }
      tick();
    });
  }
  start(document);
  document.body.addEventListener("htmx:afterSwap", function (event) { start(event.target.parentNode || document); });
})();
