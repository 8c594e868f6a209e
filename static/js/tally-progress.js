// Admin budget page: while a tally is queued or running, poll its progress and update
// the progress bars and status badges; reload once every run has finished.
(function () {
  "use strict";
  var script = document.getElementById("tally-progress-script");
  if (!script || !window.fetch) { return; }
  var url = script.getAttribute("data-url");
  var pending = document.querySelectorAll('[data-run-status]');
  function busy() {
    return Array.prototype.some.call(pending, function (el) {
      var state = el.getAttribute("data-state");
      return state === "queued" || state === "running";
    });
  }
  if (!busy()) { return; }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (runs) {
        var active = false;
        runs.forEach(function (run) {
          var bar = document.querySelector('[data-run-progress="' + run.id + '"]');
          if (bar) { bar.value = run.progress; bar.textContent = run.progress + " %"; }
          if (run.status === "queued" || run.status === "running") { active = true; }
        });
        if (active) { setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
