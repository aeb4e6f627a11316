// Counts an incident's 72-hour clock down on the page. Without JavaScript the page shows
// the time left when it was served; this only keeps the words current.
(function () {
  "use strict";
  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }
  function tick() {
    var clocks = document.querySelectorAll(".app-incident-clock[data-deadline]");
    for (var i = 0; i < clocks.length; i++) {
      var left = Date.parse(clocks[i].getAttribute("data-deadline")) - Date.now();
      var minutes = Math.floor(Math.abs(left) / 60000);
      var text = plural(Math.floor(minutes / 60), "hour") + " " + plural(minutes % 60, "minute");
      clocks[i].textContent = text + (left > 0 ? " left" : " overdue");
    }
  }
  tick();
  window.setInterval(tick, 30000);
})();
